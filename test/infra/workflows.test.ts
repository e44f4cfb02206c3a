import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fromRoot } from '../../lib/paths';

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; id?: string };
type Job = { steps?: Step[]; uses?: string; needs?: string | string[]; environment?: string; permissions?: Record<string, string> };
type Workflow = { on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, Job> };

const folder = fromRoot('.github', 'workflows');
const files = readdirSync(folder).filter((f) => /\.ya?ml$/.test(f));
const text = (file: string) => readFileSync(`${folder}/${file}`, 'utf8');
const workflow = (file: string) => parse(text(file)) as Workflow;

describe('GitHub workflows', () => {
  it('hold no AWS access keys anywhere', () => {
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'deploy.yml']));
    for (const file of files) {
      const source = text(file);
      expect(source, file).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN/i);
      expect(source, file).not.toMatch(/\bAKIA[0-9A-Z]{16}\b/);
      expect(source, file).not.toMatch(/arn:aws[\w-]*:iam::\d{12}:role/);
    }
  });

  it('assume the deploy role from a repository variable, with an OIDC token only where it deploys', () => {
    const deploy = workflow('deploy.yml');
    const credentialSteps = Object.values(deploy.jobs).flatMap((job) => (job.steps ?? []).filter((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@')));
    expect(credentialSteps.length).toBeGreaterThan(0);
    expect(credentialSteps[0]!.with?.['role-to-assume']).toBe('${{ vars.AWS_DEPLOY_ROLE_ARN }}');
    for (const step of credentialSteps.slice(1)) {
      // Later steps chain from the deploy role into a role named by the stack's own outputs.
      expect(step.with).toMatchObject({ 'role-chaining': true, 'role-to-assume': expect.stringMatching(/^\$\{\{ steps\.\w+\.outputs\.\w+ \}\}$/) });
    }
    expect(deploy.permissions).toEqual({ contents: 'read' });
    const withToken = Object.entries(deploy.jobs).filter(([, job]) => job.permissions?.['id-token'] === 'write').map(([name]) => name);
    expect(withToken).toEqual(['deploy']);
    expect(deploy.jobs.deploy!.environment).toBe('production');
    expect(deploy.jobs.deploy).toHaveProperty('if', "vars.AWS_DEPLOY_ROLE_ARN != ''");
  });

  it('deploy main only after the tests pass, then publish the content of the same stage', () => {
    const deploy = workflow('deploy.yml');
    expect(deploy.on).toHaveProperty('push', { branches: ['main'] });
    expect(deploy.jobs.test!.uses).toBe('./.github/workflows/ci.yml');
    expect(deploy.jobs.deploy!.needs).toBe('test');
    const runs = (deploy.jobs.deploy!.steps ?? []).map((s) => s.run ?? '');
    const cdk = runs.findIndex((r) => /npx cdk deploy "Rungs-\$STAGE".*-c stage="\$STAGE"/s.test(r));
    const publish = runs.findIndex((r) => r.includes('npm run content -- publish --stage "$STAGE"'));
    expect(cdk).toBeGreaterThanOrEqual(0);
    expect(publish).toBeGreaterThan(cdk);
  });

  it('run the tests on pull requests and when called by the deploy workflow', () => {
    const ci = workflow('ci.yml');
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'workflow_call']);
    expect(ci.permissions).toEqual({ contents: 'read' });
    expect(Object.values(ci.jobs).flatMap((j) => j.steps ?? []).some((s) => s.run === 'bash .ci/run')).toBe(true);
  });
});
