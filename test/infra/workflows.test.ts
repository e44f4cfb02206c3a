import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fromRoot } from '../../lib/paths';

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; id?: string; name?: string; env?: Record<string, string> };
type Job = { steps?: Step[]; uses?: string; needs?: string | string[]; environment?: string; permissions?: Record<string, string>; if?: string };
type Workflow = { on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, Job>; concurrency?: { group: string }; env?: Record<string, string> };

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

  it('assume the deploy role from a repository variable, with an OIDC token only where AWS is called', () => {
    const deploy = workflow('deploy.yml');
    const credentialSteps = Object.values(deploy.jobs).flatMap((job) => (job.steps ?? []).filter((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@')));
    const first = credentialSteps.filter((s) => !s.with?.['role-chaining']);
    expect(first.length).toBe(2);
    for (const step of first) expect(step.with?.['role-to-assume']).toBe('${{ vars.AWS_DEPLOY_ROLE_ARN }}');
    for (const step of credentialSteps.filter((s) => s.with?.['role-chaining'])) {
      // Later steps chain from the deploy role into a role named by the stack's own outputs.
      expect(step.with).toMatchObject({ 'role-chaining': true, 'role-to-assume': expect.stringMatching(/^\$\{\{ steps\.\w+\.outputs\.\w+ \}\}$/) });
    }
    expect(deploy.permissions).toEqual({ contents: 'read' });
    const withToken = Object.entries(deploy.jobs).filter(([, job]) => job.permissions?.['id-token'] === 'write').map(([name]) => name);
    expect(withToken.sort()).toEqual(['deploy', 'plan']);
    expect(deploy.jobs.deploy!.environment).toBe('production');
  });

  it('never gate a job on variables, which a job-level if reads before the environment loads', () => {
    for (const file of files) {
      for (const [name, job] of Object.entries(workflow(file).jobs)) {
        expect(job.if ?? '', `${file}: ${name}`).not.toMatch(/vars\./);
      }
    }
  });

  it('fail the run when the deploy role or region is missing, before any AWS step', () => {
    const deploy = workflow('deploy.yml');
    for (const name of ['plan', 'deploy']) {
      const steps = deploy.jobs[name]!.steps ?? [];
      const guard = steps.findIndex((s) => s.run === 'bash .github/scripts/require-deploy-settings.sh');
      const credentials = steps.findIndex((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
      expect(guard, name).toBeGreaterThanOrEqual(0);
      expect(guard, name).toBeLessThan(credentials);
      expect(steps[guard]!.env).toEqual({ DEPLOY_ROLE: '${{ vars.AWS_DEPLOY_ROLE_ARN }}', DEPLOY_REGION: '${{ vars.AWS_REGION }}' });
    }
    const run = (env: Record<string, string>) =>
      spawnSync('bash', [fromRoot('.github', 'scripts', 'require-deploy-settings.sh')], { env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8' });
    const unset = run({});
    expect(unset.status).toBe(1);
    expect(unset.stdout).toContain('::error::Set the repository variables AWS_DEPLOY_ROLE_ARN AWS_REGION');
    expect(run({ DEPLOY_ROLE: 'arn:aws:iam::111122223333:role/x', DEPLOY_REGION: '' }).status).toBe(1);
    expect(run({ DEPLOY_ROLE: 'arn:aws:iam::111122223333:role/x', DEPLOY_REGION: 'eu-west-1' }).status).toBe(0);
  });

  it('pin every action to a full commit SHA', () => {
    for (const file of files) {
      const uses = Object.values(workflow(file).jobs).flatMap((job) => (job.steps ?? []).map((s) => s.uses).filter((u): u is string => !!u));
      for (const action of uses.filter((u) => !u.startsWith('./'))) expect(action, file).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
    }
  });

  it('plan a change set without an environment, then execute exactly that change set in the approved environment', () => {
    const deploy = workflow('deploy.yml');
    const { plan, deploy: execute } = deploy.jobs;
    expect(plan!.environment).toBeUndefined();
    expect(plan!.needs).toBe('test');
    expect(execute!.needs).toBe('plan');
    const planRuns = (plan!.steps ?? []).map((s) => s.run ?? '');
    const diff = planRuns.findIndex((r) => /^npx cdk diff "Rungs-\$STAGE"/.test(r));
    const prepare = planRuns.findIndex((r) => r.includes('--method=prepare-change-set --change-set-name "$CHANGE_SET"'));
    expect(diff).toBeGreaterThanOrEqual(0);
    expect(prepare).toBeGreaterThan(diff);
    const executeRuns = (execute!.steps ?? []).map((s) => s.run ?? '');
    expect(executeRuns.some((r) => r.includes('--method=execute-change-set --change-set-name "$CHANGE_SET"'))).toBe(true);
    expect(JSON.stringify(execute!.steps)).not.toContain('prepare-change-set');
    expect(deploy.env?.CHANGE_SET).toContain('${{ github.run_id }}');
  });

  it('run one deployment per stage at a time, never cancelling one half-way', () => {
    const deploy = workflow('deploy.yml');
    expect(deploy.concurrency).toEqual({ group: "deploy-${{ inputs.stage || vars.RUNGS_STAGE || 'prod' }}", 'cancel-in-progress': false });
    expect(deploy.env?.STAGE).toBe("${{ inputs.stage || vars.RUNGS_STAGE || 'prod' }}");
  });

  it('deploy main only after the tests pass, then publish the content of the same stage', () => {
    const deploy = workflow('deploy.yml');
    expect(deploy.on).toHaveProperty('push', { branches: ['main'] });
    expect(deploy.jobs.test!.uses).toBe('./.github/workflows/ci.yml');
    expect(deploy.jobs.plan!.needs).toBe('test');
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
