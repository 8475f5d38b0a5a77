/**
 * One shared upstream subscription of the relay (SPEC L1, L2): the current objects of one
 * (topic, subject, token, …) at the upstream's index, a buffer of the items that followed, and
 * the downstream streams reading it. Fed by the upstream follower; read by downstream handlers.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { type Event, EventSchema, type SubscribeRequest } from "../gen/index.js";
import type { BufferItem, Link } from "../server/event-buffer.js";
import { FORCE_CLOSED_MESSAGE, Subscription } from "../server/subscription.js";
import type { Timers } from "../server/types.js";
import { buildSnapshot, difference, type StoredObject } from "./relay-snapshot.js";
import type { RelayTopic } from "./relay-topics.js";
import { preEncoded, RelayItem } from "./relay-wire.js";

export interface RelayChannelOptions {
  readonly topic: RelayTopic;
  /** Live items kept so a stream resuming at an older index gets what followed (default 1024). */
  readonly historySize: number;
  /** How long a resume at an index the relay has not reached yet waits for it. */
  readonly resumeWaitMs: number;
  readonly timers: Timers;
}

/**
 * A reader the channel pushes to (the relay's direct streams): `wake` after every append (it
 * reads on from its own cursor), `close` when the channel ends its streams. Both synchronous.
 */
export interface RelaySink {
  wake(): void;
  close(error: ConnectError): void;
}

const NEW_SNAPSHOT = create(EventSchema, {
  Index: 0n,
  Payload: { case: "NewSnapshotToFollow", value: true },
});

/**
 * Notification contract: downstream streams get exactly the upstream's events, at the
 * upstream's indexes. A stream opened at 0 gets a snapshot of the current objects (at the
 * relay's index) spliced onto the live buffer; a resume at N that the buffer covers gets every
 * item after N; any other resume gets `NewSnapshotToFollow` and a snapshot (SPEC P5, L2). An
 * upstream resnapshot above the relay's index reaches streams as one live item holding the
 * difference; one at or below it ends them with `Aborted` (they resubscribe at 0).
 */
export class RelayChannel {
  readonly #options: RelayChannelOptions;
  #objects = new Map<string, StoredObject>();
  /** The index of the current objects; 0 until the first upstream snapshot. */
  #index = 0n;
  /** A resume at N ≥ this (and ≤ the index) is answered from the history. */
  #historyFrom = 0n;
  #tail = new RelayItem([]);
  /** Index of each kept item, and the link that leads to it (its predecessor's). */
  #historyIndex: bigint[] = [];
  #historyLink: Link[] = [];
  /** The snapshot chain at the current index, shared by the streams that start at it. */
  #snapshot: BufferItem | undefined;
  readonly #subscriptions = new Set<Subscription>();
  readonly #sinks = new Set<RelaySink>();
  #failure: ConnectError | undefined;
  #unavailable: ConnectError | undefined;
  #changed: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(options: RelayChannelOptions) {
    this.#options = options;
  }

  get index(): bigint {
    return this.#index;
  }

  get streams(): number {
    return this.#subscriptions.size + this.#sinks.size;
  }

  /**
   * A subscription for `request` once the relay can answer it: waits for the first upstream
   * snapshot, and (at most `resumeWaitMs`) for the relay to reach a resume index it is behind.
   * Rejects with the upstream's terminal error, or `Unavailable` while no snapshot could be had.
   */
  async open(request: SubscribeRequest, signal: AbortSignal): Promise<Subscription> {
    await this.#ready(request, signal);
    const subscription = new Subscription(request, "", this.#head(request), (sub) =>
      this.#subscriptions.delete(sub),
    );
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /**
   * As `open`, for a sink: resolves with the item the sink reads on from (its cursor) once the
   * sink is attached; `detach` it when done. Items are pushed by `wake()`, never awaited.
   */
  async attach(
    request: SubscribeRequest,
    signal: AbortSignal,
    sink: RelaySink,
  ): Promise<BufferItem> {
    await this.#ready(request, signal);
    this.#sinks.add(sink);
    return this.#head(request);
  }

  detach(sink: RelaySink): void {
    this.#sinks.delete(sink);
  }

  async #ready(request: SubscribeRequest, signal: AbortSignal): Promise<void> {
    let patience: Promise<void> | undefined;
    let handle: unknown;
    try {
      for (;;) {
        signal.throwIfAborted();
        if (this.#failure) throw this.#failure;
        if (this.#index === 0n) {
          if (this.#unavailable) throw this.#unavailable;
          await this.#nextChange(signal);
          continue;
        }
        if (request.Index > this.#index && handle !== "expired") {
          // The client comes from a relay further along: give this one a moment to catch up.
          patience ??= new Promise((resolve) => {
            handle = this.#options.timers.setTimeout(() => {
              handle = "expired";
              resolve();
            }, this.#options.resumeWaitMs);
          });
          await this.#nextChange(signal, patience);
          continue;
        }
        return;
      }
    } finally {
      if (handle !== undefined && handle !== "expired") this.#options.timers.clearTimeout(handle);
    }
  }

  /** Applies an upstream snapshot at `index` (SPEC P5); throws before any change if an event does not fit the topic. */
  applySnapshot(events: readonly Event[], index: bigint): void {
    const topic = this.#options.topic;
    const objects = new Map<string, StoredObject>();
    for (const event of events) {
      const key = topic.key(event);
      if (topic.isDelete(event)) objects.delete(key);
      else objects.set(key, { event });
    }
    this.#unavailable = undefined;
    if (this.#index === 0n) {
      this.#objects = objects;
      this.#index = index;
      this.#historyFrom = index;
      this.#snapshot = undefined;
      this.#notify();
      return;
    }
    const changes =
      index > this.#index ? difference(this.#objects, objects, index, topic) : undefined;
    if (changes === undefined) {
      // The upstream went back (or changed at our index): the streams' state cannot be mended.
      if (index === this.#index && difference(this.#objects, objects, index, topic).length === 0)
        return;
      this.reset();
      this.applySnapshot(events, index);
      return;
    }
    this.#objects = objects;
    if (changes.length > 0) this.#append(changes, index);
    else {
      this.#index = index;
      this.#snapshot = undefined;
      this.#notify();
    }
  }

  /** Applies one live upstream event (a batch flattened) at `index`; all or nothing. */
  applyLive(events: readonly Event[], index: bigint): void {
    const topic = this.#options.topic;
    const keys = events.map((event) => topic.key(event));
    events.forEach((event, i) => {
      if (topic.isDelete(event)) this.#objects.delete(keys[i]!);
      else this.#objects.set(keys[i]!, { event });
    });
    this.#append(events, index);
  }

  /**
   * The upstream reset the stream (`Aborted`): every downstream stream ends with `Aborted`
   * (its client resubscribes at 0) and the state waits for the next upstream snapshot.
   */
  reset(): void {
    this.#closeAll(new ConnectError(FORCE_CLOSED_MESSAGE, Code.Aborted));
    this.#objects = new Map();
    this.#index = 0n;
    this.#historyFrom = 0n;
    this.#tail = new RelayItem([]);
    this.#historyIndex = [];
    this.#historyLink = [];
    this.#snapshot = undefined;
    this.#notify();
  }

  /** A terminal upstream error: every stream ends with it, and so does every later open. */
  fail(error: ConnectError): void {
    this.#failure = new ConnectError(error.rawMessage, error.code);
    this.#closeAll(this.#failure);
    this.#notify();
  }

  /** A retryable upstream failure: streams keep their state; opens before any snapshot fail. */
  upstreamFailed(error: unknown): void {
    if (this.#index !== 0n) return;
    const reason = error instanceof ConnectError ? error.rawMessage : String(error);
    this.#unavailable = new ConnectError(
      `relay: upstream unavailable: ${reason}`,
      Code.Unavailable,
    );
    this.#notify();
  }

  /** Ends every stream with `error` (the relay shutting down). */
  close(error: ConnectError): void {
    this.#failure = error;
    this.#closeAll(error);
    this.#notify();
  }

  /** Where a stream for `request` starts: in the history, or at a (reset and) snapshot. */
  #head(request: SubscribeRequest): BufferItem {
    const resume = request.Index;
    let head: BufferItem;
    if (resume > 0n && resume >= this.#historyFrom && resume <= this.#index) {
      head = new RelayItem([]);
      head.link = this.#linkAfter(resume);
    } else {
      this.#snapshot ??= buildSnapshot(this.#objects.values(), this.#index, this.#tail.link);
      const snapshot = this.#snapshot;
      if (resume > 0n) {
        head = new RelayItem([]);
        const reset = new RelayItem([NEW_SNAPSHOT]);
        head.link.set(reset);
        reset.link = snapshot.link;
      } else head = snapshot;
    }
    return head;
  }

  /** The link to the first kept item above `index`, or the tail's future successor. */
  #linkAfter(index: bigint): Link {
    const indexes = this.#historyIndex;
    let low = 0;
    let high = indexes.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (indexes[mid]! > index) high = mid;
      else low = mid + 1;
    }
    return low < indexes.length ? this.#historyLink[low]! : this.#tail.link;
  }

  #append(events: readonly Event[], index: bigint): void {
    const item = new RelayItem(events);
    item.wire = preEncoded(
      events.length === 1
        ? events[0]!
        : create(EventSchema, {
            Index: index,
            Payload: { case: "EventBatch", value: { Events: [...events] } },
          }),
    );
    this.#historyIndex.push(index);
    this.#historyLink.push(this.#tail.link);
    this.#tail.link.set(item);
    this.#tail = item;
    const limit = this.#options.historySize;
    if (this.#historyIndex.length > 2 * limit) {
      // Amortized O(1): drop the oldest half at once; resumes below the kept range resnapshot.
      const drop = this.#historyIndex.length - limit;
      this.#historyFrom = this.#historyIndex[drop - 1]!;
      this.#historyIndex.splice(0, drop);
      this.#historyLink.splice(0, drop);
    }
    this.#index = index;
    this.#snapshot = undefined;
    this.#notify();
    // The fan-out: each direct stream writes the new item's shared frame (or, if its reader is
    // behind, catches up later from its cursor).
    for (const sink of this.#sinks) sink.wake();
  }

  #closeAll(error: ConnectError): void {
    for (const subscription of this.#subscriptions) subscription.close(error);
    const sinks = [...this.#sinks];
    this.#sinks.clear();
    for (const sink of sinks) sink.close(error);
  }

  #notify(): void {
    const changed = this.#changed;
    this.#changed = undefined;
    changed?.resolve();
  }

  /** Resolves at the next change of state (or when `also` settles); rejects when `signal` aborts. */
  #nextChange(signal: AbortSignal, also?: Promise<void>): Promise<void> {
    if (!this.#changed) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.#changed = { promise, resolve };
    }
    const changed = this.#changed.promise;
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      const done = () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      void changed.then(done);
      void also?.then(done);
    });
  }
}
