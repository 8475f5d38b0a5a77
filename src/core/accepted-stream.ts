/**
 * The "subscription accepted" handshake of a resumed stream (SPEC P5 "Resume", M4, M6, M7): the
 * response header a server flushes once it accepted a subscription, and the timer that counts an
 * accepted stream as healthy for the retry waiter.
 */
import type { RetryWaiter } from "./retry-waiter.js";
import type { Timers } from "./types.js";

/**
 * The response header the package's server (`serve()`) flushes, before any event, once it has
 * validated and authorized a subscription. A resumed stream has no framing event (P5), so on a
 * quiet subject this header is the only sign that the stream is healthy again. Consul's server
 * does not send it: there a resumed stream turns `live` with its first event, as before. Keep in
 * sync with `SUBSCRIBED_HEADER` in `src/server/accepted-header.ts` (a test checks it).
 */
export const SUBSCRIBED_HEADER = "submatview-subscribed";

/**
 * How long an accepted stream must stay open before its retry count resets (M7). The header
 * alone does not reset it: a server that accepts and then drops at once must still back off.
 * A stream that stayed up this long costs at most one attempt per this interval when it drops.
 */
export const HEALTHY_STREAM_MS = 10_000;

/** Resets `waiter`'s failure count once an accepted stream has stayed open long enough. */
export class AcceptedStream {
  readonly #timers: Timers;
  readonly #waiter: RetryWaiter;
  #handle: unknown;

  constructor(timers: Timers, waiter: RetryWaiter) {
    this.#timers = timers;
    this.#waiter = waiter;
  }

  /** The server accepted the stream: start counting it as healthy (only after a failure). */
  accepted(): void {
    if (this.#handle !== undefined || this.#waiter.failures === 0) return;
    this.#handle = this.#timers.setTimeout(() => {
      this.#handle = undefined;
      this.#waiter.reset();
    }, HEALTHY_STREAM_MS);
  }

  /** The stream ended: it did not stay up long enough (or it did, and the timer fired). */
  ended(): void {
    if (this.#handle === undefined) return;
    this.#timers.clearTimeout(this.#handle);
    this.#handle = undefined;
  }
}
