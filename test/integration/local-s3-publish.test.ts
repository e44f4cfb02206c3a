import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { checkCommand, publishCommand } from '../../bin/content/commands';
import { tableLedgers } from '../../bin/content/ledger';
import { s3Bucket } from '../../bin/content/s3';
import { statusCommand } from '../../bin/content/verdicts';
import { startPlatform, type Platform } from '../../bin/local/platform';
import { createStore } from '../../lambdas/store/client';
import { repoRoot } from '../../lib/paths';

/**
 * `content publish --local`: the sample tree goes through the real S3 SDK to the platform's local S3
 * endpoint, whose object events reach the queue ingest handler in SQS-shaped batches; the CLI waits
 * for the verdicts ingest writes. DynamoDB Local is real; nothing is faked.
 */
function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, text: () => out.join(''), errors: () => err.join(''), io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), isTty: false } };
}

// A whole tree through S3 and ingest takes seconds, much longer on a loaded machine.
describe('publishing to the local S3 endpoint', { timeout: 180_000 }, () => {
  let platform: Platform;
  let emptyDir: string;
  let editedDir: string;
  const tableName = `s3-publish-${randomUUID()}`;
  const bucket = () => s3Bucket(platform.s3!.client(), platform.s3!.bucket, 'local');
  const wait = () => ({ reader: bucket(), timeoutMs: 150_000, pollMs: 200 });

  beforeAll(async () => {
    // The platform starts with no content of its own: everything it shows arrives through S3.
    emptyDir = mkdtempSync(join(tmpdir(), 'rungs-empty-'));
    editedDir = mkdtempSync(join(tmpdir(), 'rungs-edited-'));
    cpSync(join(repoRoot, 'content'), editedDir, { recursive: true });
    // An edit only ingest could refuse until now: two exercises swap ids, so each id changes kind.
    const file = join(editedDir, 'security/oauth/why-oauth.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('id: token-properties', 'id: SWAP').replace('id: delegation-steps', 'id: token-properties').replace('id: SWAP', 'id: delegation-steps'));
    platform = await startPlatform({ port: 0, contentDir: emptyDir, dynamoEndpoint: inject('dynamoEndpoint'), tableName });
  });

  afterAll(async () => {
    await platform?.stop();
    rmSync(emptyDir, { recursive: true, force: true });
    rmSync(editedDir, { recursive: true, force: true });
  });

  it('publishes the sample tree, prints every file live, and serves its pages', async () => {
    // Act
    const { text, io } = capture();
    const code = await publishCommand(join(repoRoot, 'content'), bucket(), { ...io, wait: wait() });

    // Assess
    expect(code).toBe(0);
    expect(text()).toMatch(/^live {6}security\/oauth\/authorization-code-pkce\.md$/m);
    expect(text()).toMatch(/^Verdict: \d+ live, 0 unchanged, 0 rejected\n$/m);
    const page = await fetch(`${platform.url}/lessons/authorization-code-pkce/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('PKCE');
    // The lesson's figure went up with it and is served under its hashed name.
    const figure = /<img class="figure" src="(\/figures\/pkce-flow-[A-Za-z0-9]{12}\.svg)" alt="Sequence of the flow[^"]*" width="640" height="360" loading="lazy" decoding="async">/.exec(html)?.[1];
    expect(figure).toBeDefined();
    const served = await fetch(`${platform.url}${figure}`);
    expect(served.headers.get('content-type')).toBe('image/svg+xml');
    expect(served.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${platform.url}/`)).status).toBe(200);
  });

  it('check --against the published ledgers catches an item that changes kind before anything is uploaded', async () => {
    // Act
    const { errors, io } = capture();
    const code = await checkCommand(editedDir, io.out, io.err, { against: tableLedgers(createStore({ tableName, endpoint: inject('dynamoEndpoint') }), 'the local platform') });

    // Assess
    expect(code).toBe(1);
    expect(errors()).toMatch(/^security\/oauth\/why-oauth\.md:\d+:\d+ item id "token-properties" is a published mcq; a different kind of exercise needs a new id$/m);
  });

  it('prints the rejection with file:line:col and exits 1, the unchanged lessons unchanged; status shows it', async () => {
    // Act
    const publish = capture();
    const code = await publishCommand(editedDir, bucket(), { ...publish.io, wait: wait() });
    const status = capture();
    const statusCode = await statusCommand(bucket(), status.io.out);

    // Assess
    expect(code).toBe(1);
    expect(publish.errors()).toMatch(
      /^rejected {2}security\/oauth\/why-oauth\.md\n {2}security\/oauth\/why-oauth\.md:\d+:1 item id "delegation-steps" is a published ordering; .*\n {2}security\/oauth\/why-oauth\.md:\d+:1 item id "token-properties" is a published mcq; /m,
    );
    expect(publish.text()).toMatch(/^unchanged security\/oauth\/authorization-code-pkce\.md$/m);
    expect(publish.text()).toMatch(/^Verdict: \d+ live, \d+ unchanged, 1 rejected$/m);
    expect(statusCode).toBe(1);
    expect(status.text()).toMatch(/^rejected {2}security\/oauth\/why-oauth\.md \(/m);
    expect(status.text()).toMatch(/Latest 1 failure report:\n\S+ security\/oauth\/why-oauth\.md\n {2}security\/oauth\/why-oauth\.md:\d+:\d+ item id/);
    // The previous version stays live.
    expect((await fetch(`${platform.url}/lessons/why-oauth/`)).status).toBe(200);
  });
});
