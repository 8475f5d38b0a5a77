import { abortError, type MaterializerClosedError } from "./errors.js";
import type { Timers } from "./types.js";

/** What one blocking fetch does on each notify and when its time runs out. */
export interface WaitRules<T> {
  /** A notify arrived: a result settles the fetch, `undefined` keeps it waiting. */
  onNotify(error: Error | undefined, reset: boolean): T | undefined;
  /** The timeout passed first. */
  onTimeout(): T;
}

interface Waiter {
  notify(error: Error | undefined, reset: boolean): void;
  settle(error: Error): void;
}

/**
 * The blocking fetches waiting on one materializer (SPEC M8): each settles on a notify its
 * rules accept, at its timeout, when its signal aborts, or — when the materializer stops —
 * with a {@link MaterializerClosedError} (R6). Whichever comes first clears the timer and the
 * abort listener, so nothing outlives a settled fetch.
 */
export class FetchWaiters {
  readonly #timers: Timers;
  readonly #waiting = new Set<Waiter>();

  constructor(timers: Timers) {
    this.#timers = timers;
  }

  get size(): number {
    return this.#waiting.size;
  }

  wait<T>(rules: WaitRules<T>, timeoutMs?: number, signal?: AbortSignal): Promise<T> {
    return new Promise((resolve, reject) => {
      let timer: unknown;
      const finish = (result: { value: T } | { error: Error }) => {
        this.#waiting.delete(waiter);
        if (timer !== undefined) this.#timers.clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if ("error" in result) reject(result.error);
        else resolve(result.value);
      };
      const waiter: Waiter = {
        notify: (error, reset) => {
          const value = rules.onNotify(error, reset);
          if (value !== undefined) finish({ value });
        },
        settle: (error) => finish({ error }),
      };
      const onAbort = () => finish({ error: abortError(signal as AbortSignal) });
      this.#waiting.add(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = this.#timers.setTimeout(() => finish({ value: rules.onTimeout() }), timeoutMs);
      }
    });
  }

  /** Offers a notify to every waiter (M4). */
  notify(error: Error | undefined, reset: boolean): void {
    if (this.#waiting.size > 0)
      for (const waiter of [...this.#waiting]) waiter.notify(error, reset);
  }

  /** Rejects every waiter with `error` and clears its timer (R6). */
  close(error: MaterializerClosedError): void {
    for (const waiter of [...this.#waiting]) waiter.settle(error);
  }
}
