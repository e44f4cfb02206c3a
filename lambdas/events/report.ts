import type { FailureReporter, IngestFailure } from './ingest';
import type { Log } from './log';

/** The JSON written for a rejected file: enough for an author to fix it without the logs. */
export function failureReport(failure: IngestFailure, at: Date) {
  return {
    kind: 'rungs.ingest.failure',
    at: at.toISOString(),
    file: failure.key,
    status: 'rejected: the previous version (if any) stays live',
    problems: failure.problems.map(({ line, column, message }) => ({ line, column, message })),
    text: failure.message,
  };
}

/** `reports/<time>--<file with / as __>.json`: sorts by time, one object per rejected file. */
export const reportKey = (failure: IngestFailure, at: Date) =>
  `reports/${at.toISOString().replace(/[:.]/g, '-')}--${failure.key.replace(/\//g, '__')}.json`;

/**
 * Reports rejected files three ways: a JSON object per file (the content bucket's `reports/` in AWS,
 * memory locally), a structured log line, and the `IngestFailures` metric.
 */
export function createFailureReporter(deps: {
  putReport?: (key: string, json: string) => Promise<void>;
  log: Log;
  countFailures?: (count: number) => void;
  now?: () => Date;
}): FailureReporter {
  return {
    async report(failures) {
      const at = (deps.now ?? (() => new Date()))();
      for (const failure of failures) {
        const report = failureReport(failure, at);
        const key = reportKey(failure, at);
        await deps.putReport?.(key, `${JSON.stringify(report, null, 2)}\n`);
        deps.log({ level: 'WARN', message: 'content rejected', report: key, file: failure.key, problems: report.problems });
      }
      deps.countFailures?.(failures.length);
    },
  };
}
