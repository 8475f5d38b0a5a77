import type { Timers } from "react-submatview/server";

/** Timers that fire only when the test advances them (no wall clock, no fake global timers). */
export class ManualTimers implements Timers {
  #now = 0;
  #next = 0;
  readonly #pending = new Map<number, { at: number; callback: () => void }>();

  #scheduled: Array<() => void> = [];

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = ++this.#next;
    this.#pending.set(handle, { at: this.#now + ms, callback });
    for (const resolve of this.#scheduled.splice(0)) resolve();
    return handle;
  }

  /** Resolves when the next timer is set: a deterministic sync point for backoff tests. */
  scheduled(): Promise<void> {
    return new Promise((resolve) => this.#scheduled.push(resolve));
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  get pending(): number {
    return this.#pending.size;
  }

  advance(ms: number): void {
    this.#now += ms;
    for (const [handle, timer] of [...this.#pending].sort((a, b) => a[1].at - b[1].at)) {
      if (timer.at > this.#now) break;
      this.#pending.delete(handle);
      timer.callback();
    }
  }
}
