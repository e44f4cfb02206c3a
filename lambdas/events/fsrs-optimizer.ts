import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { defaultStore, type Store } from '../store/client';
import { countReviewLogs, lastFit, readLogsForFit, saveFit } from '../store/fsrs-fit';
import { fitParameters } from '../optimizer/fit';
import { DEFAULT_W, isValidW, logForFitSchema, needsFit, type FitQuality, type LogForFit } from '../optimizer/parameters';
import { consoleLog } from './log';

/**
 * The FSRS optimizer job: a consumer of the table's stream that, for each learner with new review
 * logs in a batch, refits their FSRS parameters when they have crossed the threshold and enough
 * reviews arrived since their last fit. It runs off the request path: answering never waits for it.
 */

/** Lambda event filter (and the local poller's): only inserted review logs reach the optimizer. */
export const REVIEW_LOG_INSERTS = { eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['reviewLog'] } } } } as const;
/** Event source settings, shared by the construct and the local poller. */
export const FSRS_OPTIMIZER_STREAM = { batchSize: 100, maxBatchingWindowSeconds: 60, retryAttempts: 3, maxRecordAgeHours: 24 } as const;
/** The job's time budget (the function timeout): fits of 10,000 reviews take about a second here. */
export const FSRS_OPTIMIZER_TIMEOUT_SECONDS = 300;

const USER_PREFIX = 'USER#';

/** A quality that could not be measured is stored as null (DynamoDB takes no NaN). */
const measured = (quality: FitQuality) => (Number.isFinite(quality.logLoss) && Number.isFinite(quality.rmseBins) ? quality : null);

/** The learners whose review logs a batch inserted, in first-seen order, with a record of each. */
export function learnersOf(event: DynamoDBStreamEvent): Map<string, string | undefined> {
  const learners = new Map<string, string | undefined>();
  for (const record of event.Records) {
    if (record.eventName !== 'INSERT' || record.dynamodb?.NewImage?.type?.S !== 'reviewLog') continue;
    const pk = record.dynamodb.NewImage.pk?.S ?? record.dynamodb.Keys?.pk?.S;
    if (!pk?.startsWith(USER_PREFIX)) continue;
    const sub = pk.slice(USER_PREFIX.length);
    if (!learners.has(sub)) learners.set(sub, record.dynamodb.SequenceNumber);
  }
  return learners;
}

export type LearnerOutcome =
  | { sub: string; outcome: 'below-threshold' | 'not-due'; reviews: number }
  | { sub: string; outcome: 'fitted' | 'kept-current' | 'superseded'; reviews: number; logLossInUse: number; logLossCandidate: number };

/**
 * Refits one learner if due: count first (cheap), read every log only when a fit will run. The
 * candidate is adopted only when it predicts the learner's later reviews better than the
 * parameters in use (`fitParameters`); either way the evaluation is stored with the fit record.
 */
export async function optimizeLearner(store: Store, sub: string, now = new Date()): Promise<LearnerOutcome> {
  const reviews = await countReviewLogs(store, sub);
  if (!needsFit(reviews, undefined)) return { sub, outcome: 'below-threshold', reviews };
  const previous = await lastFit(store, sub);
  if (!needsFit(reviews, previous.reviews)) return { sub, outcome: 'not-due', reviews };
  const logs: LogForFit[] = [];
  for (const item of await readLogsForFit(store, sub)) {
    const parsed = logForFitSchema.safeParse(item);
    if (parsed.success) logs.push(parsed.data);
  }
  const inUseW = isValidW(previous.w) ? previous.w : DEFAULT_W;
  const fit = await fitParameters(logs, inUseW);
  const { verdict } = fit;
  const saved = await saveFit(
    store,
    sub,
    {
      at: now.toISOString(),
      reviews: logs.length,
      accepted: verdict.accepted,
      ...(verdict.accepted ? {} : { reason: verdict.reason }),
      evaluation: { method: 'held-out tail', trainItems: fit.trainItems, heldOutItems: fit.heldOutItems, inUse: inUseW === DEFAULT_W ? 'defaults' : 'previous fit', inUseQuality: measured(fit.inUse), candidateQuality: measured(fit.candidate) },
    },
    verdict.accepted ? verdict.w : undefined,
  );
  const outcome = !saved ? 'superseded' : verdict.accepted ? 'fitted' : 'kept-current';
  return { sub, outcome, reviews: logs.length, logLossInUse: fit.inUse.logLoss, logLossCandidate: fit.candidate.logLoss };
}

/**
 * One stream batch: learners one after another (a fit uses the whole CPU); a learner whose fit
 * fails is reported as a batch item failure from their first record on, so Lambda retries from
 * there and the learners before it are not refitted.
 */
export async function optimizeBatch(store: Store, event: DynamoDBStreamEvent, now = new Date()): Promise<DynamoDBBatchResponse & { outcomes: LearnerOutcome[] }> {
  const outcomes: LearnerOutcome[] = [];
  for (const [sub, sequenceNumber] of learnersOf(event)) {
    try {
      const outcome = await optimizeLearner(store, sub, now);
      outcomes.push(outcome);
      consoleLog({ level: 'INFO', message: 'fsrs optimizer', ...outcome });
    } catch (error) {
      consoleLog({ level: 'ERROR', message: 'fsrs optimizer failed', sub, error: String(error) });
      return { batchItemFailures: sequenceNumber ? [{ itemIdentifier: sequenceNumber }] : [], outcomes };
    }
  }
  return { batchItemFailures: [], outcomes };
}

export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const { batchItemFailures } = await optimizeBatch(defaultStore(), event);
  return { batchItemFailures };
};
