/**
 * The "subscription accepted" handshake (SPEC P5 "Resume", M2, M4, M6, M7): the response header a
 * server flushes once it accepted a subscription, the timer that counts an accepted stream as
 * healthy for the retry waiter, and the deadline that aborts a stream its server never answers.
 */
import { HandshakeTimeoutError } from "./errors.js";
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

/**
 * How long a stream may go without headers, an event or an error, once its server is known to
 * send `SUBSCRIBED_HEADER`, before it is aborted and retried (M6 "anything else", M7).
 */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * The handshake deadline (SPEC M2, M6): connect-node 2.1 takes an HTTP/2 stream closed with
 * `NO_ERROR` before its response (a cleanly closed connection) for no error and waits forever
 * (connect-es #1678). Once a server has sent `SUBSCRIBED_HEADER`, it sends headers for every
 * stream it accepts, so a later stream that gets neither headers, an event nor an error within
 * the deadline is aborted with a {@link HandshakeTimeoutError}. Against a server that never sent
 * the marker (Consul), nothing is armed. A deadline ≤ 0 or not finite disables it. While
 * `mayQueue()` is true (a browser may queue the stream behind its HTTP/1.1 connections, H6) a
 * stream is not armed and a deadline that lapses does not abort: queued, it has no headers yet.
 */
export class HandshakeDeadline {
  readonly #timers: Timers;
  readonly #ms: number;
  readonly #mayQueue: () => boolean;
  #seen = false;
  #handle: unknown;

  constructor(timers: Timers, ms: number, mayQueue: () => boolean = () => false) {
    this.#timers = timers;
    this.#ms = ms;
    this.#mayQueue = mayQueue;
  }

  /** The server sent the marker: from now on every stream it opens gets a deadline. */
  marked(): void {
    this.#seen = true;
  }

  /** A stream opened: abort it through `controller` if nothing arrives in time. */
  arm(controller: AbortController): void {
    if (!this.#seen || !(this.#ms > 0 && Number.isFinite(this.#ms))) return;
    this.settle();
    if (this.#mayQueue()) return;
    const ms = this.#ms;
    this.#handle = this.#timers.setTimeout(() => {
      this.#handle = undefined;
      if (this.#mayQueue()) return;
      controller.abort(
        new HandshakeTimeoutError(
          `no response to a subscribe stream within ${ms} ms (a connection closed under it?); resubscribing`,
        ),
      );
    }, ms);
  }

  /** Headers, an event or the end arrived (or the materializer stopped): clear the timer. */
  settle(): void {
    if (this.#handle === undefined) return;
    this.#timers.clearTimeout(this.#handle);
    this.#handle = undefined;
  }
}
