/**
 * One scripted subscription (SPEC T2): what the code under test asked for (never its token),
 * and the steps a test sends down the stream, each awaitable until the client has consumed it.
 */

import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { type Event, EventSchema, type SubscribeRequest, Topic } from "../gen/index.js";
import { atIndex, type IndexLike, toIndex } from "./events.js";
import { StepQueue } from "./step-queue.js";
import { StreamAcceptance } from "./stream-acceptance.js";

/** Where the stream is in the SPEC P5 shapes; steps out of place throw (test misuse). */
type Phase = "start" | "snapshot" | "live" | "ended";

/**
 * One `Subscribe` call the code under test made, and the script of its stream. Steps follow the
 * real server's shapes (SPEC P5): a fresh stream (`index` 0) starts with a snapshot; a resume
 * (`index` N > 0) either continues with live events above N or sends `newSnapshot()` then a
 * snapshot; live indexes only grow. Each step returns a promise that resolves when the client
 * has consumed the step (it asked for the next event, or the stream ended): await it, then
 * assert. Steps sent after the client went away resolve at once and do nothing.
 *
 * Like `serve()`, the stream accepts its subscription — response headers with the
 * `submatview-subscribed` marker, which turn a resumed client `live` with no event (SPEC M4) —
 * unless its first step is `end()` (a refusal) or `hang()` (no answer); see {@link accept}.
 *
 * Printing it (toString, JSON, util.inspect) shows the request without the token.
 */
export class ScriptedStream {
  /** The requested topic. */
  readonly topic: Topic;
  /** The subject's key (service name), or `"*"` for a wildcard subscription. */
  readonly subject: string;
  /** The index the client resumes from (0: fresh, SPEC P5). */
  readonly index: bigint;
  /** Whether the request carried a token (its value is never kept). */
  readonly hasToken: boolean;
  readonly datacenter: string;
  readonly namespace: string;
  readonly partition: string;
  readonly peer: string;
  /** 1 for the first subscription to this topic and subject, 2 for the next (a reconnect), … */
  readonly attempt: number;
  #phase: Phase;
  #last = 0n;
  #snapshotIndex: bigint | undefined;
  readonly #acceptance: StreamAcceptance;
  readonly #queue: StepQueue;

  /**
   * @internal Created by the scripted server for each `Subscribe` call; `accept` flushes the
   * response headers with the marker.
   */
  constructor(request: SubscribeRequest, attempt: number, accept?: () => void) {
    this.topic = request.Topic;
    const subject = request.Subject;
    const named = subject.case === "NamedSubject" ? subject.value : undefined;
    this.subject = subject.case === "WildcardSubject" ? "*" : (named?.Key ?? request.Key);
    this.index = request.Index;
    this.hasToken = request.Token !== "";
    this.datacenter = request.Datacenter;
    this.namespace = named?.Namespace ?? request.Namespace;
    this.partition = named?.Partition ?? request.Partition;
    this.peer = named?.PeerName ?? request.PeerName;
    this.attempt = attempt;
    this.#phase = request.Index === 0n ? "start" : "live";
    this.#last = request.Index;
    this.#acceptance = new StreamAcceptance(accept);
    this.#queue = new StepQueue(() => this.#acceptance.close());
  }

  /** Whether the stream accepted its subscription: its headers carried the marker (SPEC M4). */
  get accepted(): boolean {
    return this.#acceptance.accepted;
  }

  /**
   * Accepts the subscription now, as `serve()` does once it validated and authorized it: the
   * headers go out with the marker, and a resumed client shows `live` with no event (SPEC M4).
   * Automatic unless the first step was `end()` or `hang()` (see the class comment); call
   * it after `hang()` for a server that answers late. A no-op with `acceptedHeader: false`.
   */
  accept(): void {
    if (this.#queue.open) this.#acceptance.accept();
  }

  /** Whether the client still holds the stream and it has not ended. */
  get open(): boolean {
    return this.#queue.open;
  }

  /**
   * Resolves once the client has consumed every step sent so far (or the stream is over): the
   * "wait until everything pushed was read" sync point when the steps themselves were not awaited.
   */
  consumed(): Promise<void> {
    return this.#queue.consumed();
  }

  /** Resolves when the stream is over: ended by a step, or cancelled by the client. */
  closed(): Promise<void> {
    return this.#queue.closed();
  }

  /**
   * Sends a whole snapshot at `index` (never 0): each event as its own wire event, then
   * `EndOfSnapshot` (SPEC P5). With no events it is an empty snapshot.
   */
  snapshot(index: IndexLike, events: readonly Event[] = []): Promise<void> {
    const at = toIndex(index);
    if (at <= 0n) throw new Error("snapshot: a snapshot's index is never 0 (SPEC P5)");
    if (this.#phase !== "start" && this.#phase !== "snapshot") {
      throw new Error(
        "snapshot: this stream resumed at a live index; call newSnapshot() first (SPEC P5 stale resume)",
      );
    }
    this.#phase = "live";
    this.#snapshotIndex = at;
    this.#last = at;
    const steps = events.map((e) => this.#send(atIndex(e, at)));
    steps.push(this.#send(frame(at, "EndOfSnapshot")));
    return Promise.all(steps).then(() => undefined);
  }

  /**
   * Sends one live change at `index` (above every index so far): one event as itself, several
   * as one `EventBatch` — an atomic transaction (SPEC P5).
   */
  push(index: IndexLike, ...events: Event[]): Promise<void> {
    const at = toIndex(index);
    if (this.#phase !== "live") {
      throw new Error("push: send the snapshot first; a fresh stream starts with one (SPEC P5)");
    }
    if (at <= this.#last) {
      throw new Error(`push: index ${at} must be above the last index ${this.#last} (SPEC P5, S3)`);
    }
    if (events.length === 0) throw new Error("push: give at least one event");
    this.#last = at;
    const wire =
      events.length === 1
        ? atIndex(events[0] as Event, at)
        : create(EventSchema, {
            Index: at,
            Payload: { case: "EventBatch", value: { Events: events.map((e) => atIndex(e, at)) } },
          });
    return this.#send(wire);
  }

  /**
   * Answers a resume the server cannot continue: `NewSnapshotToFollow` (index 0); a snapshot
   * must follow (SPEC P5, S6).
   */
  newSnapshot(): Promise<void> {
    if (this.index === 0n || this.#snapshotIndex !== undefined || this.#last !== this.index) {
      throw new Error(
        "newSnapshot: only as the first step of a stream that resumed at N > 0 (SPEC P5)",
      );
    }
    this.#phase = "snapshot";
    return this.#send(frame(0n, "NewSnapshotToFollow"));
  }

  /**
   * Sends any event as is, bypassing the SPEC P5 checks: for tests of protocol faults (M5).
   */
  send(event: Event): Promise<void> {
    return this.#send(event);
  }

  /**
   * Drops the connection: the stream fails with `Unavailable` (the client keeps its view, M6).
   * As a first step it is a refusal, as `end()`.
   */
  drop(message = "connection dropped"): Promise<void> {
    return this.end(Code.Unavailable, message);
  }

  /**
   * Ends the stream with a Connect `code`: `Code.Aborted` forces a reset (the client throws its
   * view away and subscribes at 0), `Code.PermissionDenied` is terminal (M6). Without a code
   * the stream ends cleanly, which a client treats as a dropped connection. As the first step
   * it is a refusal (what `serve()` does with an invalid or unauthorized request): the error
   * goes out without the accepted marker, so a resumed client does not turn `live` first.
   */
  end(code?: Code, message?: string): Promise<void> {
    const error = code === undefined ? undefined : new ConnectError(message ?? Code[code], code);
    this.#phase = "ended";
    this.#acceptance.hold();
    return this.#queue.end(error);
  }

  /**
   * Leaves the stream open without sending anything, forever (a server that never answers):
   * the client stays in its current state. As the first step it also withholds the headers, so a
   * resumed client stays `reconnecting`; a stream with no step at all is a quiet accepted one.
   */
  hang(): Promise<void> {
    this.#acceptance.hold();
    return Promise.resolve();
  }

  /** A one-line description of the request, without the token. */
  toString(): string {
    const subject = this.subject === "*" ? "*" : JSON.stringify(this.subject);
    return `Subscribe(${Topic[this.topic] ?? this.topic} ${subject} from ${this.index}${this.hasToken ? ", with token" : ""} #${this.attempt})`;
  }

  /** The recorded request as JSON (index as a decimal string), without the token. */
  toJSON(): Record<string, unknown> {
    return {
      topic: Topic[this.topic] ?? this.topic,
      subject: this.subject,
      index: this.index.toString(),
      hasToken: this.hasToken,
      datacenter: this.datacenter,
      namespace: this.namespace,
      partition: this.partition,
      peer: this.peer,
      attempt: this.attempt,
    };
  }

  /** What Node's `util.inspect` (and console.log) prints: {@link toString}. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** @internal The handler's side: yields the scripted events until a step ends the stream. */
  run(signal: AbortSignal): AsyncGenerator<Event> {
    return this.#queue.run(signal);
  }

  #send(event: Event): Promise<void> {
    // The headers go out before the first event, with the marker (serve() accepts first).
    if (this.#queue.open) this.#acceptance.accept();
    return this.#queue.event(event);
  }
}

function frame(index: bigint, kind: "EndOfSnapshot" | "NewSnapshotToFollow"): Event {
  return create(EventSchema, { Index: index, Payload: { case: kind, value: true } });
}
