/**
 * When a scripted stream accepts its subscription (SPEC T2, M4, P5 "Resume"): the moment the
 * kit, like `serve()`, sends the response headers with the `submatview-subscribed` marker.
 */
import { scheduleTask } from "../core/schedule-task.js";

/**
 * `serve()` flushes the marker once it has validated and authorized a subscription, before any
 * event; it refuses an invalid or unauthorized one with its error alone. The kit has no request
 * to validate, so the test's first step decides, and no step at all means accepted:
 * - an event step (snapshot, push, newSnapshot, send) accepts first, then sends;
 * - `end()` as the first step is a refusal: the error goes out without the marker;
 * - `hang()` first is a server that never answers: no headers at all;
 * - nothing scripted by the end of the task in which the stream opened: accepted (a quiet
 *   subject, so a resumed client goes `live` with no event, as against `serve()`).
 * `accept()` accepts at once, e.g. after `hang()` (a server that answers late).
 */
export class StreamAcceptance {
  #state: "pending" | "accepted" | "held" | "closed" = "pending";
  readonly #flush: (() => void) | undefined;

  /** `flush` sends the headers with the marker; without it nothing is ever sent early. */
  constructor(flush: (() => void) | undefined) {
    this.#flush = flush;
    // A task, not a microtask: a step the test scripts right after `next()` comes first.
    if (flush) scheduleTask(() => this.#state === "pending" && this.accept());
  }

  /** Whether the headers with the marker went out. */
  get accepted(): boolean {
    return this.#state === "accepted";
  }

  /** Sends the headers with the marker now, unless they went out or the stream is over. */
  accept(): void {
    if (this.#state === "accepted" || this.#state === "closed") return;
    this.#state = "accepted";
    this.#flush?.();
  }

  /** The first step ends or hangs the stream: no automatic acceptance. */
  hold(): void {
    if (this.#state === "pending") this.#state = "held";
  }

  /** The stream is over: nothing more is sent. */
  close(): void {
    if (this.#state !== "accepted") this.#state = "closed";
  }
}
