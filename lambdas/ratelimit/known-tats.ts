import type { Tats } from './gcra';

/**
 * What this instance last saw of each key's TATs, bounded in size. It serves two purposes:
 * - predicting the busy/idle branch of the next write, and
 * - answering repeat offenders with zero DynamoDB calls: a stored TAT only ever grows, so if the
 *   last seen TATs already deny a request now, the current ones deny it too.
 * Entries whose TATs are all in the past still predict the idle branch, so they stay until the
 * least recently written entry makes room.
 */
export class KnownTats {
  readonly #entries = new Map<string, Tats>();

  constructor(readonly maxEntries = 10_000) {}

  get(id: string): Tats | undefined {
    return this.#entries.get(id);
  }

  set(id: string, tats: Tats): void {
    // Re-inserting moves the key to the end, so the first key is always the least recently written.
    this.#entries.delete(id);
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(id, tats);
  }

  get size(): number {
    return this.#entries.size;
  }
}
