/**
 * Timers for soak and leak tests: timers of one chosen duration (a registry's idle TTL) wait
 * for the test to fire them, every other timer (backoff, fetch timeouts) runs on the real
 * clock; all of them are counted, so a test can assert that none is left pending.
 */
import type { Timers } from "react-submatview/core";

interface Pending {
  readonly ms: number;
  readonly callback: () => void;
  real?: ReturnType<typeof setTimeout>;
}

export class SplitTimers implements Timers {
  readonly #manualMs: number;
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  /** Timers set so far, by kind (for the report). */
  readonly set = { manual: 0, real: 0 };

  /** `manualMs`: the duration of the timers the test fires itself (`expire()`). */
  constructor(manualMs: number) {
    this.#manualMs = manualMs;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = ++this.#next;
    const timer: Pending = { ms, callback };
    this.#pending.set(handle, timer);
    if (ms === this.#manualMs) {
      this.set.manual++;
    } else {
      this.set.real++;
      timer.real = setTimeout(() => {
        if (this.#pending.delete(handle)) callback();
      }, ms);
      timer.real.unref?.();
    }
    return handle;
  }

  clearTimeout(handle: unknown): void {
    const timer = this.#pending.get(handle as number);
    if (!timer) return;
    this.#pending.delete(handle as number);
    if (timer.real !== undefined) clearTimeout(timer.real);
  }

  /** Timers set and neither fired nor cleared. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Manual (TTL) timers pending. */
  get pendingManual(): number {
    let count = 0;
    for (const timer of this.#pending.values()) if (timer.real === undefined) count++;
    return count;
  }

  /** Fires every manual timer pending now (the TTL elapses); returns how many fired. */
  expire(): number {
    let fired = 0;
    for (const [handle, timer] of [...this.#pending]) {
      if (timer.real !== undefined || !this.#pending.delete(handle)) continue;
      fired++;
      timer.callback();
    }
    return fired;
  }
}
