import { computeParameters, evaluateWithTimeSeriesSplits, FSRSBinding } from '@open-spaced-repetition/binding';
import { toBindingItems } from '../lambdas/optimizer/fit';
import { DEFAULT_W, datedTrainingItems, trainingItems } from '../lambdas/optimizer/parameters';
import { simulateLearner, TRUE_W } from '../test/support/fsrs-learner';

/**
 * The FSRS optimizer on a simulated learner with known memory parameters (test/support/fsrs-learner.ts):
 * fit on the first 80 % of the learner's reviews in time, then compare default, fitted and true
 * parameters on the later 20 % (each held-out review predicted from the card's whole history before
 * it). Metrics are fsrs-rs's own: log loss and the binned RMSE the FSRS authors report (predictions
 * grouped into bins by interval, reviews and lapses; RMSE of predicted vs observed recall over the
 * bins, weighted by size). Also the optimizer's own time-series-split evaluation, and its run time.
 */

export interface OptimizerRow {
  reviews: number;
  trainItems: number;
  heldOutItems: number;
  fitMs: number;
  defaults: { logLoss: number; rmseBins: number };
  fitted: { logLoss: number; rmseBins: number };
  truth: { logLoss: number; rmseBins: number };
  splits: { logLoss: number; rmseBins: number };
}

const evaluate = (w: readonly number[], items: ReturnType<typeof toBindingItems>) => new FSRSBinding([...w]).evaluate(items);

export async function measureOptimizer(sizes: readonly number[] = [1_000, 10_000]): Promise<OptimizerRow[]> {
  const rows: OptimizerRow[] = [];
  for (const reviews of sizes) {
    const logs = simulateLearner({ reviews });
    const cut = logs[Math.floor(logs.length * 0.8)]!.at;
    const train = toBindingItems(trainingItems(logs.filter((log) => log.at < cut)));
    const heldOut = toBindingItems(datedTrainingItems(logs).filter((item) => item.at >= cut).map((item) => item.reviews));
    const started = performance.now();
    const fitted = await computeParameters(train, { enableShortTerm: true });
    const fitMs = performance.now() - started;
    const splits = await evaluateWithTimeSeriesSplits(toBindingItems(trainingItems(logs)), { enableShortTerm: true });
    rows.push({
      reviews,
      trainItems: train.length,
      heldOutItems: heldOut.length,
      fitMs,
      defaults: evaluate(DEFAULT_W, heldOut),
      fitted: evaluate(fitted, heldOut),
      truth: evaluate(TRUE_W, heldOut),
      splits,
    });
  }
  return rows;
}
