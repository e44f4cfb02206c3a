import { evaluateWithTimeSeriesSplits, FSRSBinding } from '@open-spaced-repetition/binding';
import { fileURLToPath } from 'node:url';
import { fitParameters, toBindingItems } from '../lambdas/optimizer/fit';
import { DEFAULT_W, heldOutTail, trainingItems } from '../lambdas/optimizer/parameters';
import { simulateLearner, TRUE_W } from '../test/support/fsrs-learner';
import { printTable } from './table';

/**
 * The FSRS optimizer on a simulated learner with known memory parameters (test/support/fsrs-learner.ts),
 * run through the job's own `fitParameters`: fit on the first 80 % of the learner's reviews in time,
 * judge against the parameters in use (here the defaults, as for a first fit) on the later 20 % (each
 * held-out review predicted from the card's whole history before it), and adopt only a strictly
 * better fit. The true parameters on the same reviews show what a perfect fit would reach. Metrics
 * are fsrs-rs's own: log loss and the binned RMSE the FSRS authors report (predictions grouped into
 * bins by interval, reviews and lapses; RMSE of predicted vs observed recall over the bins, weighted
 * by size). Also the optimizer's own time-series-split evaluation, and its run time.
 * Runs alone with `npx tsx bench/optimizer.ts`.
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
  /** What the job decides: adopt the fit, or keep the parameters in use (and why). */
  decision: string;
}

const evaluate = (w: readonly number[], items: ReturnType<typeof toBindingItems>) => new FSRSBinding([...w]).evaluate(items);

export async function measureOptimizer(sizes: readonly number[] = [1_000, 10_000]): Promise<OptimizerRow[]> {
  const rows: OptimizerRow[] = [];
  for (const reviews of sizes) {
    const logs = simulateLearner({ reviews });
    const fit = await fitParameters(logs, DEFAULT_W);
    const heldOut = toBindingItems(heldOutTail(logs).heldOut);
    const splits = await evaluateWithTimeSeriesSplits(toBindingItems(trainingItems(logs)), { enableShortTerm: true });
    rows.push({
      reviews,
      trainItems: fit.trainItems,
      heldOutItems: fit.heldOutItems,
      fitMs: fit.fitMs,
      defaults: fit.inUse,
      fitted: fit.candidate,
      truth: evaluate(TRUE_W, heldOut),
      splits,
      decision: fit.verdict.accepted ? 'adopted' : 'kept defaults',
    });
  }
  return rows;
}

const metric = (m: { logLoss: number; rmseBins: number }) => `${m.logLoss.toFixed(4)} / ${m.rmseBins.toFixed(4)}`;

export function printOptimizerTable(rows: readonly OptimizerRow[]): void {
  printTable(
    'FSRS optimizer (FSRS-rs via @open-spaced-repetition/binding) on a simulated learner with known parameters, through the job\'s fitParameters: log loss / binned RMSE (the FSRS authors\' metric) on the later 20 % of reviews, fitted on the earlier 80 %; "decision" is the job\'s (adopt only a fit with lower held-out log loss than the parameters in use, here the defaults); "own splits" is the optimizer\'s evaluateWithTimeSeriesSplits over all reviews',
    ['reviews', 'train / held-out items', 'defaults', 'fitted', 'true parameters', 'decision', 'own splits (fitted)', 'fit ms'],
    rows.map((r) => [r.reviews, `${r.trainItems} / ${r.heldOutItems}`, metric(r.defaults), metric(r.fitted), metric(r.truth), r.decision, metric(r.splits), Math.round(r.fitMs)]),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) printOptimizerTable(await measureOptimizer());
