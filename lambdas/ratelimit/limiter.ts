import { randomUUID } from 'node:crypto';
import type { LimiterStore } from './store';
import { refund, spend, type SpendRequest, type SpendResult, type UncertainSpend } from './dynamo';
import { branchOf, cachedDenial, describe, evaluate, type PolicyState, type Tats } from './gcra';
import { KnownTats } from './known-tats';
import { assertWeight, type CompiledPolicy } from './policy';

/** One request to decide: who, which policy set (with this caller's limits), and what it costs. */
export interface LimitRequest {
  /** `user:<sub>` or `ip:<address>`. */
  subject: string;
  policySet: string;
  /** Limits travel with every call, so changing them needs no migration of stored state. */
  policies: readonly CompiledPolicy[];
  weight: number;
  /**
   * Sessions: the caller's access-token `iat` (epoch s). The write then also requires the subject's
   * `revokedBefore` to be absent or ≤ it, so "sign out everywhere" costs no call of its own.
   */
  issuedAt?: number;
}

export type Outcome = 'allowed' | 'limited' | 'cached-block' | 'revoked';

export interface Decision {
  outcome: Outcome;
  allowed: boolean;
  /** When denied: ms until a request of the same cost would pass. */
  retryAfterMs: number;
  violated?: CompiledPolicy;
  states: PolicyState[];
  /** DynamoDB calls this decision made. */
  calls: number;
}

export interface Limiter {
  /** Decides one request; throws when the store cannot answer (the caller applies its failure policy). */
  check(request: LimitRequest): Promise<Decision>;
}

export type Clock = () => number;

export interface DynamoLimiterOptions {
  store: LimiterStore;
  /** The server's clock in epoch ms; injectable for tests, never taken from a client. */
  clock?: Clock;
  knownTats?: KnownTats;
  /** Conditional writes per decision before giving up under extreme contention (then: deny, retry in 1 s). */
  maxWrites?: number;
  /**
   * After the store fails, how long to skip it and fail at once: a store that times out would
   * otherwise add its full timeout to every request while the route's failure policy answers anyway.
   */
  cooldownMs?: number;
  /** Unique ids for writes and refunds; injectable for tests. */
  newId?: () => string;
}

/** Thrown while the store is known to be failing; `cause` is the failure that started the cooldown. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

const denial = (outcome: Outcome, evaluation: ReturnType<typeof evaluate>, calls: number): Decision => ({
  outcome,
  allowed: false,
  retryAfterMs: evaluation.retryAfterMs,
  ...(evaluation.violated ? { violated: evaluation.violated } : {}),
  states: evaluation.states,
  calls,
});

/**
 * The exact, distributed limiter: GCRA state in DynamoDB, one conditional write per decision in the
 * common case, no reads, and no calls at all for keys this instance already knows to be blocked.
 */
export class DynamoLimiter implements Limiter {
  readonly #store: LimiterStore;
  readonly #clock: Clock;
  readonly #known: KnownTats;
  readonly #maxWrites: number;
  readonly #cooldownMs: number;
  readonly #newId: () => string;
  #failure: { until: number; cause: unknown } | undefined;
  /**
   * Writes whose answer never arrived, per key, to refund before the key's next write. At most one
   * per key (a key's next write waits for its refund), bounded like the TAT cache.
   */
  readonly #uncertain = new Map<string, UncertainSpend>();

  constructor(options: DynamoLimiterOptions) {
    this.#store = options.store;
    this.#clock = options.clock ?? Date.now;
    this.#known = options.knownTats ?? new KnownTats();
    this.#maxWrites = options.maxWrites ?? 3;
    this.#cooldownMs = options.cooldownMs ?? 1_000;
    this.#newId = options.newId ?? randomUUID;
  }

  /** One store call, or an immediate StoreUnavailableError while a recent failure cools down. */
  async #call<T>(send: () => Promise<T>): Promise<T> {
    const failure = this.#failure;
    if (failure && Date.now() < failure.until) throw new StoreUnavailableError('the rate-limit store failed recently', { cause: failure.cause });
    try {
      const result = await send();
      this.#failure = undefined;
      return result;
    } catch (error) {
      // Wall-clock time on purpose: the cooldown is about this process, not about the limiter's (injectable) clock.
      this.#failure = { until: Date.now() + this.#cooldownMs, cause: error };
      throw error;
    }
  }

  /**
   * One conditional write. When it fails without an answer (timeout, network), DynamoDB may still
   * have applied it, yet the request is answered by the failure policy: the write is remembered and
   * refunded before this key's next write, so a request that was not counted as served spends nothing.
   */
  async #spend(id: string, request: SpendRequest): Promise<SpendResult> {
    try {
      return await this.#call(() => spend(this.#store, request));
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) this.#remember(id, request);
      throw error;
    }
  }

  #remember(id: string, request: SpendRequest): void {
    this.#uncertain.delete(id);
    if (this.#uncertain.size >= this.#known.maxEntries) this.#uncertain.delete(this.#uncertain.keys().next().value!);
    const { subject, policySet, policies, weight, decisionId } = request;
    this.#uncertain.set(id, { subject, policySet, policies, weight, decisionId });
  }

  /** Settles this key's uncertain write, if any; throws (and keeps it) when the store still fails. */
  async #settle(id: string): Promise<number> {
    const pending = this.#uncertain.get(id);
    if (!pending) return 0;
    await this.#call(() => refund(this.#store, pending, this.#newId()));
    this.#uncertain.delete(id);
    return 1;
  }

  async check(request: LimitRequest): Promise<Decision> {
    assertWeight(request.weight, request.policies);
    const { policies, weight } = request;
    const id = `${request.subject}|${request.policySet}`;
    const now = this.#clock();
    let known: Tats | undefined = this.#known.get(id);
    if (known) {
      const cached = evaluate(policies, known, now, weight);
      if (!cached.allowed) return denial('cached-block', cachedDenial(policies, known, now, weight), 0);
    }
    const refunds = await this.#settle(id);
    for (let writes = 1; writes <= this.#maxWrites; writes++) {
      const calls = refunds + writes;
      const branches = Object.fromEntries(policies.map((p) => [p.name, branchOf(known?.[p.name], now)]));
      const result = await this.#spend(id, { ...request, now, branches, decisionId: this.#newId() });
      // Sessions: the token predates the subject's revokedBefore; nothing was spent.
      if (!result.spent && result.revoked) return { outcome: 'revoked', allowed: false, retryAfterMs: 0, states: [], calls };
      if (result.spent) {
        this.#known.set(id, result.tats);
        return { outcome: 'allowed', allowed: true, retryAfterMs: 0, states: describe(policies, result.tats, now), calls };
      }
      // The condition failed: the item as it was tells whether the quota is spent or the branch was wrong.
      known = result.old;
      this.#known.set(id, known);
      const verdict = evaluate(policies, known, now, weight);
      if (!verdict.allowed) return denial('limited', verdict, calls);
    }
    // Every write lost a race to another writer of the same key: deny rather than guess.
    const states = describe(policies, known ?? {}, now);
    return { outcome: 'limited', allowed: false, retryAfterMs: 1000, states, calls: refunds + this.#maxWrites };
  }
}

/**
 * The in-process bucket used when DynamoDB cannot answer on a fail-open route: the same GCRA and
 * limits, but counted per Lambda instance only, so it bounds abuse without being exact.
 */
export class FallbackLimiter implements Limiter {
  readonly #known: KnownTats;
  readonly #clock: Clock;

  constructor(options: { clock?: Clock; maxEntries?: number } = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#known = new KnownTats(options.maxEntries ?? 10_000);
  }

  async check(request: LimitRequest): Promise<Decision> {
    assertWeight(request.weight, request.policies);
    const id = `${request.subject}|${request.policySet}`;
    const now = this.#clock();
    const verdict = evaluate(request.policies, this.#known.get(id) ?? {}, now, request.weight);
    if (!verdict.allowed) return denial('limited', verdict, 0);
    this.#known.set(id, verdict.tats);
    return { outcome: 'allowed', allowed: true, retryAfterMs: 0, states: verdict.states, calls: 0 };
  }
}
