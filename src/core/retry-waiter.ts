import { browserConnectivity, type Connectivity } from "./connectivity.js";
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
  /**
   * The network and page state (default: the browser's `navigator.onLine`, `online`,
   * `offline` and `visibilitychange`; always online elsewhere). Retries pause while offline and
   * run at once when the device comes back online or the page becomes visible.
   */
  readonly connectivity?: Connectivity;
}

/**
 * Consul's default retry waiter for streams (SPEC M7): failure k = 1 retries at once; k ≥ 2
 * waits `min(200 ms · 2^(k-2), 60 s)` plus uniform jitter of up to 100 % of that. A successful
 * update calls `reset()`. Waits end early (rejecting with an AbortError) when the signal aborts.
 *
 * In a browser it also follows connectivity: while `navigator.onLine` is false a wait has no
 * timer (no attempt is spent on a network that is down) and ends when the `online` event
 * comes; `online`, and the page becoming visible (timers of hidden tabs are throttled, so a
 * backoff may have stretched far beyond its delay), end a pending wait at once. Failures
 * still count, so a server that stays down keeps its backoff.
 */
export class RetryWaiter {
  readonly #minFailures: number;
  readonly #factorMs: number;
  readonly #maxWaitMs: number;
  readonly #jitter: number;
  readonly #random: () => number;
  readonly #timers: Timers;
  readonly #connectivity: Connectivity;
  #failures = 0;

  constructor(options: RetryWaiterOptions = {}) {
    this.#minFailures = options.minFailures ?? 1;
    this.#factorMs = options.factorMs ?? 200;
    this.#maxWaitMs = options.maxWaitMs ?? 60_000;
    this.#jitter = (options.jitterPercent ?? 100) / 100;
    this.#random = options.random ?? Math.random;
    this.#timers = options.timers ?? defaultTimers;
    this.#connectivity = options.connectivity ?? browserConnectivity();
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

  /**
   * Records a failure and waits the delay it calls for: paused while offline, cut short when
   * the device comes back online or the page becomes visible.
   */
  wait(signal: AbortSignal): Promise<void> {
    const ms = this.delay(++this.#failures);
    if (signal.aborted) return Promise.reject(abortError(signal));
    const connectivity = this.#connectivity;
    if (ms === 0 && connectivity.online) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let handle: unknown;
      let settled = false;
      const disarm = () => {
        if (handle !== undefined) this.#timers.clearTimeout(handle);
        handle = undefined;
      };
      const done = (settle: () => void) => {
        if (settled) return;
        settled = true;
        disarm();
        unsubscribe();
        signal.removeEventListener("abort", onAbort);
        settle();
      };
      // No timer while offline: nothing can succeed, so no attempt is spent until `online`.
      const arm = () => {
        if (handle !== undefined || !connectivity.online) return;
        handle = this.#timers.setTimeout(() => {
          handle = undefined;
          done(resolve);
        }, ms);
      };
      const onAbort = () => done(() => reject(abortError(signal)));
      const unsubscribe = connectivity.subscribe((change) => {
        if (change === "offline") disarm();
        // Back online, or visible again after timers may have been throttled: retry now.
        else if (connectivity.online) done(resolve);
      });
      signal.addEventListener("abort", onAbort, { once: true });
      arm();
    });
  }

  reset(): void {
    this.#failures = 0;
  }
}
