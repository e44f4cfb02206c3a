import { measureGradedAttempt } from './api';
import { measureOptimizer, printOptimizerTable } from './optimizer';
import { measureBundles } from './bundles';
import { measureContentIngest, printContentTables } from './content';
import { measureColdStart } from './platform';
import { measureRateLimiters, ratioSummary, scenario } from './rate-limit';
import { measureSessions } from './sessions';
import { measureSite } from './site';
import { median, printTable } from './table';

/**
 * `npm run bench`: every benchmark of the platform, printed as tables. Numbers are measured on this
 * machine in this run; nothing is compared with figures from another run.
 */
const runs = Number(process.env.BENCH_RUNS ?? 3);

const coldStarts: number[] = [];
for (let i = 0; i < runs; i++) coldStarts.push(await measureColdStart());
printTable(
  'Local platform cold start (spawn bin/local.ts → first /api/catalog with lessons)',
  ['measure', 'runs', 'median ms', 'min ms', 'max ms'],
  [['cold start', runs, Math.round(median(coldStarts)), Math.round(Math.min(...coldStarts)), Math.round(Math.max(...coldStarts))]],
);

if (!process.versions.node.startsWith('24.')) throw new Error(`the bundle benchmark needs Node 24 (the Lambda runtime), not ${process.version}`);
const importRounds = Math.max(7, runs);
const bundles = measureBundles(importRounds);
/**
 * Issue 10's goals: every API function ≤ 150 KiB with its import ≤ 1.3× the bare handler's; the content
 * ingest ≤ 300 KiB (a queue consumer, no import-time goal); the other functions have none ('-').
 */
const met = (b: { function: string; rawKiB: number; cpuRatio: number }) =>
  b.function.startsWith('Api') ? (b.rawKiB <= 150 && b.cpuRatio <= 1.3 ? 'yes' : 'no') : b.function === 'ContentIngestFunction' ? (b.rawKiB <= 300 ? 'yes (size)' : 'no (size)') : '-';
printTable(
  `Lambda bundles (esbuild via CDK as deployed, minified ESM, source maps excluded) and the import of each in ${importRounds} fresh Node ${process.versions.node} processes (medians; ratio against the bare handler measured in the same rounds). Goals: each API function ≤ 150 KiB and import ≤ 1.3× (judged on the CPU-time ratio, steadier than wall time on a shared machine); the ingest ≤ 300 KiB`,
  ['function', 'raw KiB', 'gzip KiB', 'import wall ms', 'wall ratio', 'import CPU ms', 'CPU ratio', 'met'],
  bundles.map((b) => [
    b.stubbed.length ? `${b.function} (stub: ${b.stubbed.join(', ')})` : b.function,
    b.rawKiB,
    b.gzipKiB,
    b.importMs,
    `${b.ratio.toFixed(2)}×`,
    b.importCpuMs,
    `${b.cpuRatio.toFixed(2)}×`,
    met(b),
  ]),
);

const apiIterations = Number(process.env.BENCH_API_ITERATIONS ?? 300);
const attempt = await measureGradedAttempt(apiIterations);
printTable(
  `Signed-in graded attempt on DynamoDB Local (${apiIterations} each, interleaved)`,
  ['measure', 'p50', 'p99'],
  attempt.map((r) => (r.measure.startsWith('ratio') ? [r.measure, `${r.p50.toFixed(2)}×`, `${r.p99.toFixed(2)}×`] : [r.measure, `${r.p50.toFixed(2)} ms`, `${r.p99.toFixed(2)} ms`])),
);

const sessions = await measureSessions(apiIterations);
printTable(
  `Sessions: an authenticated GET /api/me/progress through authentication and the rate limiter (${apiIterations} each, interleaved, DynamoDB Local)`,
  ['measure', 'DynamoDB calls / request', 'p50', 'p99'],
  [
    ...sessions.rows.map((r) => [r.measure, r.calls.toFixed(2), `${r.p50.toFixed(2)} ms`, `${r.p99.toFixed(2)} ms`]),
    [sessions.refresh.measure, sessions.refresh.calls.toFixed(2), `${sessions.refresh.p50.toFixed(2)} ms`, `${sessions.refresh.p99.toFixed(2)} ms`],
  ],
);

printContentTables(await measureContentIngest());

const [gcra, flexible] = await measureRateLimiters();
const round = (n: number) => Math.round(n * 100) / 100;
printTable(
  `Rate limiters on one DynamoDB Local (${scenario.instances} instances; ${scenario.keys} users × ${scenario.limit} admitted + 2 × ${scenario.limit} rejected, ${scenario.rounds} interleaved rounds; over-admission: ${scenario.concurrentBurst} concurrent, limit ${scenario.burstLimit})`,
  ['limiter', 'decisions/s (median)', 'min', 'max', 'calls/admitted', 'calls/first rejection', 'calls/repeat rejection', 'over-admitted'],
  [gcra!, flexible!].map((m) => [
    m.limiter,
    m.decisionsPerSecond,
    Math.round(Math.min(...m.roundsPerSecond)),
    Math.round(Math.max(...m.roundsPerSecond)),
    round(m.callsPerAdmitted),
    round(m.callsPerFirstRejection),
    round(m.callsPerRepeatRejection),
    m.overAdmitted,
  ]),
);
const ratios = ratioSummary(gcra!, flexible!);
printTable(
  `Throughput ratio Rungs GCRA / rate-limiter-flexible, per round (${scenario.rounds} rounds, alternating order)`,
  ['measure', 'value'],
  [
    ['per round', ratios.perRound.map((r) => `${round(r)}×`).join(' ')],
    ['median', `${round(ratios.median)}×`],
    ['range', `${round(ratios.min)}× – ${round(ratios.max)}×`],
  ],
);
const ratio = ratios.median;
printTable(
  'Rate limiter goals (measured above)',
  ['goal', 'measured', 'met'],
  [
    ['0 over-admission', String(gcra!.overAdmitted), gcra!.overAdmitted === 0 ? 'yes' : 'no'],
    ['≤ 1.05 writes per admitted request', String(round(gcra!.callsPerAdmitted)), gcra!.callsPerAdmitted <= 1.05 ? 'yes' : 'no'],
    ['0 calls per cached rejection', String(round(gcra!.callsPerRepeatRejection)), gcra!.callsPerRepeatRejection === 0 ? 'yes' : 'no'],
    ['throughput ≥ 1.5× rate-limiter-flexible (median of rounds)', `${round(ratio)}× (range ${round(ratios.min)}–${round(ratios.max)}×)`, ratio >= 1.5 ? 'yes' : 'no'],
  ],
);

const site = await measureSite();
printTable(
  'Learner site: Lighthouse 13 on the local platform (mobile defaults, simulated throttling; goal 100 in each category)',
  ['page', 'performance', 'accessibility', 'best practices', 'SEO', 'LCP ms', 'TBT ms', 'CLS', 'bytes'],
  site.lighthouse.map((r) => [r.page, r.performance, r.accessibility, r.bestPractices, r.seo, r.lcpMs, r.tbtMs, r.cls, r.bytes]),
);
printTable(
  'Learner site: gzip bytes per page, chunks included (goal: JS ≤ 15 KB on lesson pages, ≤ 30 KB on /stats/; total ≤ 60 KB)',
  ['page', 'HTML', 'CSS', 'JS', 'total'],
  site.weights.map((w) => [w.page, w.htmlGzip, w.cssGzip, w.jsGzip, w.totalGzip]),
);

printOptimizerTable(await measureOptimizer());
