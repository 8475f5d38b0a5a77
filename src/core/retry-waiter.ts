import { defaultTimers } from "./default-timers.js";
import { abortError } from "./errors.js";
import type { Timers } from "./types.js";

export interface RetryWaiterOptions {
  /** Failures that retry at once (default 1). */
  readonly minFailures?: number;
  /** Base of the exponential backoff (default 200 ms). */
  readonly factorMs?: number;
  /** Cap of the base delay (default 60 s). */
  readonly maxWaitMs?: number;
  /** Uniform jitter added on top, as a percentage of the base delay (default 100). */
  readonly jitterPercent?: number;
  /** Source of randomness in [0, 1) (default Math.random). */
  readonly random?: () => number;
  readonly timers?: Timers;
}

/**
 * Consul's default retry waiter for streams (SPEC M7): failure k = 1 retries at once; k ≥ 2
 * waits `min(200 ms · 2^(k-2), 60 s)` plus uniform jitter of up to 100 % of that. A successful
 * update calls `reset()`. Waits end early (rejecting with an AbortError) when the signal aborts.
 */
export class RetryWaiter {
  readonly #minFailures: number;
  readonly #factorMs: number;
  readonly #maxWaitMs: number;
  readonly #jitter: number;
  readonly #random: () => number;
  readonly #timers: Timers;
  #failures = 0;

  constructor(options: RetryWaiterOptions = {}) {
    this.#minFailures = options.minFailures ?? 1;
    this.#factorMs = options.factorMs ?? 200;
    this.#maxWaitMs = options.maxWaitMs ?? 60_000;
    this.#jitter = (options.jitterPercent ?? 100) / 100;
    this.#random = options.random ?? Math.random;
    this.#timers = options.timers ?? defaultTimers;
  }

  /** Consecutive failures since the last `reset()`. */
  get failures(): number {
    return this.#failures;
  }

  /** The delay before retrying after failure number `failures` (1-based). */
  delay(failures: number): number {
    if (failures <= this.#minFailures) return 0;
    const base = Math.min(
      this.#factorMs * 2 ** (failures - this.#minFailures - 1),
      this.#maxWaitMs,
    );
    return base + Math.floor(base * this.#jitter * this.#random());
  }

  /** Records a failure and waits the delay it calls for. */
  wait(signal: AbortSignal): Promise<void> {
    const ms = this.delay(++this.#failures);
    if (signal.aborted) return Promise.reject(abortError(signal));
    if (ms === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#timers.clearTimeout(handle);
        reject(abortError(signal));
      };
      const handle = this.#timers.setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  reset(): void {
    this.#failures = 0;
  }
}
