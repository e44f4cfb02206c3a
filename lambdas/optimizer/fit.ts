import { computeParameters, FSRSBinding, FSRSBindingItem, FSRSBindingReview } from '@open-spaced-repetition/binding';
import { DEFAULT_W, heldOutTail, isValidW, judgeFit, type FitQuality, type FitVerdict, type LogForFit, type TrainingItem } from './parameters';

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
  /** The parameters in use and the candidate, both on the held-out reviews. */
  inUse: FitQuality;
  candidate: FitQuality;
  trainItems: number;
  heldOutItems: number;
  /** Time spent in the optimizer itself. */
  fitMs: number;
}

/**
 * Fits candidate parameters to the earlier part of a learner's reviews and judges them against the
 * parameters in use on the later part (`heldOutTail`, `judgeFit`). The candidate that wins is the
 * one adopted, exactly as judged; the reviews it was not trained on join the next refit.
 */
// No `timeout` option: in 0.5.0 a fit given one does not settle (seen here even for 370 items that
// fit in 0.1 s without it), so the function's own timeout bounds the job instead.
export async function fitParameters(logs: readonly LogForFit[], inUseW: readonly number[] = DEFAULT_W): Promise<Fit> {
  const { train, heldOut } = heldOutTail(logs);
  const started = performance.now();
  const fitted = await computeParameters(toBindingItems(train), { enableShortTerm: true });
  const fitMs = performance.now() - started;
  const heldOutItems = toBindingItems(heldOut);
  const unknown = { logLoss: Number.NaN, rmseBins: Number.NaN };
  const inUse = heldOutItems.length > 0 ? quality(inUseW, heldOutItems) : unknown;
  const candidate = heldOutItems.length > 0 && isValidW(fitted) ? quality(fitted, heldOutItems) : unknown;
  return { verdict: judgeFit(fitted, inUse, candidate), inUse, candidate, trainItems: train.length, heldOutItems: heldOut.length, fitMs };
}
