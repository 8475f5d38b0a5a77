/**
 * A virtual clock for backoff tests (SPEC M7): injectable `Timers` that fire only when the test
 * moves time forward, record every timer set (when, for how long), and let a test wait —
 * without polling — until a given number of timers is pending.
 */
import type { Timers } from "react-submatview/core";

export interface SetTimer {
  /** Virtual time at which it was set. */
  readonly at: number;
  readonly ms: number;
}

export class VirtualClock implements Timers {
  #now = 0;
  #next = 0;
  readonly #pending = new Map<number, { due: number; callback: () => void }>();
  readonly #waiters: Array<{ count: number; resolve: () => void }> = [];
  /** Every timer ever set, in order. */
  readonly set: SetTimer[] = [];

  get now(): number {
    return this.#now;
  }

  get pending(): number {
    return this.#pending.size;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = ++this.#next;
    this.#pending.set(handle, { due: this.#now + ms, callback });
    this.set.push({ at: this.#now, ms });
    this.#wake();
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  /** The due time of the earliest pending timer (Infinity when none). */
  nextDue(): number {
    let due = Number.POSITIVE_INFINITY;
    for (const timer of this.#pending.values()) due = Math.min(due, timer.due);
    return due;
  }

  /** Moves time to `time`, firing every timer due by then, earliest first. */
  advanceTo(time: number): void {
    for (;;) {
      let first: [number, { due: number; callback: () => void }] | undefined;
      for (const entry of this.#pending) if (!first || entry[1].due < first[1].due) first = entry;
      if (!first || first[1].due > time) break;
      this.#pending.delete(first[0]);
      this.#now = Math.max(this.#now, first[1].due);
      first[1].callback();
    }
    this.#now = Math.max(this.#now, time);
  }

  /** Resolves once at least `count` timers are pending (at once if they already are). */
  pendingAtLeast(count: number): Promise<void> {
    if (this.#pending.size >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) {
      if (this.#pending.size < waiter.count) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}

/** A seeded PRNG in [0, 1) (mulberry32): the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * The retry schedule of SPEC M7 as data: the wait after failure `k` (1-based) for a jitter
 * draw `r` in [0, 1): 0 for k = 1, else `base + floor(base · r)` with
 * `base = min(200 ms · 2^(k-2), 60 s)`.
 */
export function retryDelay(k: number, r: number): number {
  if (k <= 1) return 0;
  const base = Math.min(200 * 2 ** (k - 2), 60_000);
  return base + Math.floor(base * r);
}

/**
 * How many subscribe attempts fit in `[0, horizonMs]` when every attempt fails at once and
 * each wait takes `retryDelay(k, r)`: the first attempt is at 0.
 */
export function attemptsWithin(horizonMs: number, r: number): number {
  let time = 0;
  let attempts = 1;
  for (let k = 1; ; k++) {
    time += retryDelay(k, r);
    if (time > horizonMs) return attempts;
    attempts++;
  }
}
