import { describe, expect, it } from 'vitest';
import { createFailureReporter } from '../../lambdas/events/report';
import type { LogLine } from '../../lambdas/events/log';

describe('ingest failure reports', () => {
  it('writes one JSON report per rejected file under reports/, logs a structured line and counts the failures', async () => {
    // Prepare
    const written = new Map<string, string>();
    const logged: LogLine[] = [];
    const counted: number[] = [];
    const reporter = createFailureReporter({
      putReport: async (key, json) => void written.set(key, json),
      log: (line) => logged.push(line),
      countFailures: (n) => counted.push(n),
      now: () => new Date('2026-11-23T10:00:00.123Z'),
    });
    const problems = [{ file: 'security/oauth/x.md', line: 7, column: 8, message: 'level: invalid' }];

    // Act
    await reporter.report([{ key: 'security/oauth/x.md', message: 'security/oauth/x.md:7:8 level: invalid', problems }]);

    // Assess
    expect([...written.keys()]).toEqual(['reports/2026-11-23T10-00-00-123Z--security__oauth__x.md.json']);
    expect(JSON.parse([...written.values()][0]!)).toMatchObject({ file: 'security/oauth/x.md', problems: [{ line: 7, column: 8, message: 'level: invalid' }] });
    expect(logged[0]).toMatchObject({ level: 'WARN', message: 'content rejected', file: 'security/oauth/x.md' });
    expect(counted).toEqual([1]);
  });
});
