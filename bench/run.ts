import { measureGradedAttempt } from './api';
import { measureBundles } from './bundles';
import { measureContentIngest } from './content';
import { measureColdStart } from './platform';
import { measureRateLimiters, scenario } from './rate-limit';
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

const bundles = measureBundles();
printTable(
  'Lambda bundles (esbuild via CDK, minified ESM, source maps excluded)',
  ['function', 'raw KiB', 'gzip KiB'],
  bundles.map((b) => [b.function, b.rawKiB, b.gzipKiB]),
);

const apiIterations = Number(process.env.BENCH_API_ITERATIONS ?? 300);
const attempt = await measureGradedAttempt(apiIterations);
printTable(
  `Signed-in graded attempt on DynamoDB Local (${apiIterations} each, interleaved)`,
  ['measure', 'p50', 'p99'],
  attempt.map((r) => (r.measure.startsWith('ratio') ? [r.measure, `${r.p50.toFixed(2)}×`, `${r.p99.toFixed(2)}×`] : [r.measure, `${r.p50.toFixed(2)} ms`, `${r.p99.toFixed(2)} ms`])),
);

const content = await measureContentIngest();
printTable(
  `Content ingest into DynamoDB Local (synthetic catalog of ${content.lessons} lessons)`,
  ['measure', 'value', 'unit', 'table writes'],
  [
    ['full ingest of the catalog', Number(content.fullIngestSeconds.toFixed(2)), 's', content.fullIngestWrites],
    ['one lesson changed (its page only)', Math.round(content.changedLessonMs), 'ms', content.changedLessonWrites],
    [`one lesson renamed (${content.renamedLessonPages} lesson pages re-rendered)`, Math.round(content.renamedLessonMs), 'ms', '-'],
    ['whole catalog re-ingested unchanged', Math.round(content.unchangedMs), 'ms', content.unchangedWrites],
  ],
);

const [gcra, flexible] = await measureRateLimiters();
const round = (n: number) => Math.round(n * 100) / 100;
printTable(
  `Rate limiters on one DynamoDB Local (${scenario.instances} instances; ${scenario.keys} users × ${scenario.limit} admitted + 2 × ${scenario.limit} rejected, runs A B B A; over-admission: ${scenario.concurrentBurst} concurrent, limit ${scenario.burstLimit})`,
  ['limiter', 'decisions/s', 'calls/admitted', 'calls/first rejection', 'calls/repeat rejection', 'over-admitted'],
  [gcra!, flexible!].map((m) => [m.limiter, m.decisionsPerSecond, round(m.callsPerAdmitted), round(m.callsPerFirstRejection), round(m.callsPerRepeatRejection), m.overAdmitted]),
);
const ratio = gcra!.decisionsPerSecond / flexible!.decisionsPerSecond;
printTable(
  'Rate limiter goals (measured above)',
  ['goal', 'measured', 'met'],
  [
    ['0 over-admission', String(gcra!.overAdmitted), gcra!.overAdmitted === 0 ? 'yes' : 'no'],
    ['≤ 1.05 writes per admitted request', String(round(gcra!.callsPerAdmitted)), gcra!.callsPerAdmitted <= 1.05 ? 'yes' : 'no'],
    ['0 calls per cached rejection', String(round(gcra!.callsPerRepeatRejection)), gcra!.callsPerRepeatRejection === 0 ? 'yes' : 'no'],
    ['throughput ≥ 1.5× rate-limiter-flexible', `${round(ratio)}×`, ratio >= 1.5 ? 'yes' : 'no'],
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
