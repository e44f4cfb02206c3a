import { describe, expect, it } from 'vitest';
import { rotateOriginSecret, type OriginHeader, type RotationStep, type SecretVersions } from '../../lambdas/rotation/origin-secret';

/** Secrets Manager's version bookkeeping and a distribution's origin header, in memory. */
function world() {
  const values = new Map<string, string>([['v1', 'old-value']]);
  const stages = new Map<string, string[]>([['v1', ['AWSCURRENT']]]);
  let sent = 'old-value';
  const secret: SecretVersions = {
    async describe() {
      return { rotationEnabled: true, versions: Object.fromEntries(stages) };
    },
    async value(id, stage) {
      return stages.get(id)?.includes(stage) ? values.get(id) : undefined;
    },
    async putPending(id, value) {
      values.set(id, value);
      stages.set(id, ['AWSPENDING']);
    },
    async makeCurrent(id, previous) {
      if (previous) stages.set(previous, ['AWSPREVIOUS']);
      stages.set(id, ['AWSCURRENT']);
    },
  };
  const header: OriginHeader = {
    read: async () => sent,
    write: async (value) => {
      sent = value;
    },
  };
  /** What the API accepts at this moment: current, pending and previous. */
  const accepted = () => [...stages].filter(([, s]) => s.some((x) => ['AWSCURRENT', 'AWSPENDING', 'AWSPREVIOUS'].includes(x))).map(([id]) => values.get(id));
  return { secret, header, stages, sent: () => sent, accepted, startRotation: (token: string) => stages.set(token, ['AWSPENDING']) };
}

const steps: RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

describe('origin secret rotation', () => {
  it('moves CloudFront to the new value while it is pending, so the API accepts what CloudFront sends after every step', async () => {
    // Prepare
    const w = world();
    w.startRotation('v2');

    // Act / Assess
    for (const step of steps) {
      await rotateOriginSecret(step, 'v2', { secret: w.secret, header: w.header, newValue: () => 'new-value' });
      expect(w.accepted(), step).toContain(w.sent());
    }
    expect(w.sent()).toBe('new-value');
    expect(Object.fromEntries(w.stages)).toEqual({ v1: ['AWSPREVIOUS'], v2: ['AWSCURRENT'] });
    // Edges still propagating the old configuration send the previous value: still accepted.
    expect(w.accepted()).toContain('old-value');
  });

  it('keeps the first pending value when createSecret is retried', async () => {
    const w = world();
    w.startRotation('v2');
    await rotateOriginSecret('createSecret', 'v2', { ...w, newValue: () => 'first' });
    await rotateOriginSecret('setSecret', 'v2', w);
    await rotateOriginSecret('createSecret', 'v2', { ...w, newValue: () => 'second' });
    await rotateOriginSecret('testSecret', 'v2', w);
    expect(w.sent()).toBe('first');
  });

  it('fails the test step when CloudFront does not send the pending value', async () => {
    const w = world();
    w.startRotation('v2');
    await rotateOriginSecret('createSecret', 'v2', { ...w, newValue: () => 'new-value' });
    await expect(rotateOriginSecret('testSecret', 'v2', w)).rejects.toThrow(/does not send the pending/);
  });
});
