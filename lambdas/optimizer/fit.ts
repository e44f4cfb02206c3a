import { computeParameters, FSRSBinding, FSRSBindingItem, FSRSBindingReview } from '@open-spaced-repetition/binding';
import { DEFAULT_W, judgeFit, type FitQuality, type FitVerdict, type TrainingItem } from './parameters';

/**
 * Fitting with FSRS-rs (`@open-spaced-repetition/binding`): the native build for the platform
 * (linux-arm64-gnu in Lambda, linux-x64-gnu here) or its WASI build. Slow (seconds for thousands of
 * reviews), so it runs only in the optimizer job, never on a request path.
 */

export const toBindingItems = (items: readonly TrainingItem[]) =>
  items.map((reviews) => new FSRSBindingItem(reviews.map((r) => new FSRSBindingReview(r.rating, r.deltaT))));

/** Log loss and binned RMSE of parameters on items (the FSRS authors' metrics). */
export function quality(w: readonly number[], items: FSRSBindingItem[]): FitQuality {
  const { logLoss, rmseBins } = new FSRSBinding([...w]).evaluate(items);
  return { logLoss, rmseBins };
}

export interface Fit {
  verdict: FitVerdict;
  before: FitQuality;
  after: FitQuality;
}

/** Fits parameters to a learner's items and judges them against the defaults on the same reviews. */
// No `timeout` option: in 0.5.0 a fit given one does not settle (seen here even for 370 items that
// fit in 0.1 s without it), so the function's own timeout bounds the job instead.
export async function fitParameters(items: readonly TrainingItem[]): Promise<Fit> {
  const bindingItems = toBindingItems(items);
  const fitted = await computeParameters(bindingItems, { enableShortTerm: true });
  const before = quality(DEFAULT_W, bindingItems);
  const after = Array.isArray(fitted) && fitted.length === DEFAULT_W.length ? quality(fitted, bindingItems) : { logLoss: Number.NaN, rmseBins: Number.NaN };
  return { verdict: judgeFit(fitted, before, after), before, after };
}
