/**
 * The in-memory event publisher (SPEC S1-S8): topic registration, publishing transactions into
 * per-subject buffers, opening, revoking and releasing subscriptions. Its snapshot cache,
 * pending authorizations and stream starts live in their own files.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { type Event, EventSchema, type SubscribeRequest, Topic } from "../gen/index.js";
import { type BufferItem, EventBuffer } from "./event-buffer.js";
import { PendingAuthorizations } from "./pending-authorizations.js";
import {
  addTo,
  bufferKey,
  defaultTimers,
  type TopicBuffer,
  type TopicRegistration,
} from "./publisher-records.js";
import { buildSnapshot } from "./snapshot-builder.js";
import { SnapshotCache } from "./snapshot-cache.js";
import { streamStart } from "./stream-start.js";
import { WILDCARD } from "./subjects.js";
import { FORCE_CLOSED_MESSAGE, SHUTTING_DOWN_MESSAGE, Subscription } from "./subscription.js";
import type {
  Authorizer,
  EventFilter,
  EventPublisherOptions,
  PublishEvent,
  PublisherStats,
  SnapshotFunc,
  Timers,
  TopicOptions,
} from "./types.js";
import { checkDatacenter, checkedSubject, transactionIndex } from "./validation.js";

/**
 * An in-memory port of Consul's `stream.EventPublisher` (SPEC S1–S8).
 *
 * Per (topic, subject) it keeps an append-only buffer while at least one subscription holds
 * it. A fresh subscription gets the subject's snapshot (built by the topic's snapshot function,
 * or reused from a cache) followed by `EndOfSnapshot` and spliced onto the live buffer so that
 * no event is lost or duplicated. A subscription at index N resumes without any framing when the
 * buffer's newest item is at N; otherwise it gets `NewSnapshotToFollow` and a full snapshot.
 *
 * It imports nothing Node-specific: it runs in a browser behind Connect's router transport.
 */
export class EventPublisher {
  readonly #topics = new Map<Topic, TopicRegistration>();
  readonly #buffers = new Map<string, TopicBuffer>();
  readonly #snapshots: SnapshotCache;
  readonly #subscriptions = new Set<Subscription>();
  readonly #authorizing = new PendingAuthorizations();
  /** Buffers refreshTopic detached that closed streams still hold (counted in stats). */
  #detached = 0;
  #idleWaiters: Array<() => void> = [];
  readonly #authorizer: Authorizer | undefined;
  #index = 0n;
  /** The highest index a snapshot has reported: no publish may go at or below it (P5). */
  #reported = 0n;
  #shutdown = false;
  /** This server's datacenter; requests for another one are refused. */
  readonly datacenter: string;

  constructor(options: EventPublisherOptions = {}) {
    const timers: Timers = options.timers ?? defaultTimers;
    this.#snapshots = new SnapshotCache(options.snapshotCacheTtlMs ?? 10_000, timers);
    this.#authorizer = options.authorizer;
    this.datacenter = options.datacenter ?? "dc1";
  }

  /** The index of the last published transaction (0 before the first). */
  get index(): bigint {
    return this.#index;
  }

  /** The highest index any snapshot has reported (0 before the first): the next publish goes above it. */
  get reportedIndex(): bigint {
    return this.#reported;
  }

  /** Registers a topic's snapshot function (S1). */
  registerTopic(topic: Topic, snapshot: SnapshotFunc, options: TopicOptions = {}): void {
    if (this.#topics.has(topic)) throw new Error(`topic ${Topic[topic]} is already registered`);
    this.#topics.set(topic, {
      snapshot,
      wildcard: options.wildcard ?? false,
      named: options.named ?? topic !== Topic.ServiceList,
      generation: 0,
    });
  }

  /**
   * Publishes one transaction (S3): every event shares one index, a uint64 (P4) strictly
   * greater than the previous transaction's and than every index a snapshot has reported (P5).
   * Each (topic, subject) group becomes one buffer item; wildcard buffers of a topic get one
   * item with all of that topic's events. Groups nobody subscribes to are dropped (S4). A
   * refused transaction throws before anything changes: the publisher stays usable.
   */
  publish(events: readonly PublishEvent[]): void {
    if (events.length === 0) return;
    const index = transactionIndex(events, this.#index, this.#reported);
    this.#index = index;
    if (this.#buffers.size === 0) return;

    let groups: Map<TopicBuffer, Event[]> | undefined;
    for (const event of events) {
      const exact = this.#buffers.get(bufferKey(event.topic, event.subject));
      const wildcard = this.#buffers.get(bufferKey(event.topic, WILDCARD));
      if (!exact && !wildcard) continue;
      const message = create(EventSchema, { Index: index, Payload: event.payload });
      groups ??= new Map();
      if (exact) addTo(groups, exact, message);
      if (wildcard) addTo(groups, wildcard, message);
    }
    if (groups) for (const [target, group] of groups) target.buffer.append(group);
  }

  /**
   * Resolves `token` with the configured authorizer (S7): `undefined` when every event may be
   * read (no authorizer); throws `Unknown: ACL not found` when the token does not resolve.
   * Given the `request` it authorizes, a `forceCloseToken` (or `refreshTopic`) that lands while
   * the token resolves makes `subscribe(request)` fail with `Aborted`: the filter may be the
   * revoked policy's (S7).
   */
  async authorize(token: string, request?: SubscribeRequest): Promise<EventFilter | undefined> {
    if (!this.#authorizer) return undefined;
    if (request) this.#authorizing.begin(request);
    try {
      const filter = await this.#authorizer(token);
      if (!filter) throw new ConnectError("ACL not found", Code.Unknown);
      return filter;
    } catch (error) {
      if (request) this.#authorizing.cancel(request);
      throw error;
    }
  }

  /**
   * Refuses a request for another datacenter with `Unknown: No path to datacenter` (Consul's
   * `ErrNoDCPath`); the service checks it before resolving the token, as Consul forwards first.
   */
  checkDatacenter(request: SubscribeRequest): void {
    checkDatacenter(request, this.datacenter);
  }

  /**
   * Opens a subscription (S1, S5, S6). Throws `Unknown: No path to datacenter` for another
   * datacenter; `InvalidArgument` for an unknown topic, a request without a subject, or a
   * subject kind (wildcard or named) the topic does not serve.
   */
  subscribe(request: SubscribeRequest): Subscription {
    const revoked = this.#authorizing.take(request);
    if (this.#shutdown) throw new ConnectError(SHUTTING_DOWN_MESSAGE, Code.Unavailable);
    if (revoked) throw new ConnectError(FORCE_CLOSED_MESSAGE, Code.Aborted);
    checkDatacenter(request, this.datacenter);
    const topic = this.#topics.get(request.Topic);
    if (!topic) {
      throw new ConnectError(
        `unknown topic ${Topic[request.Topic] ?? request.Topic}`,
        Code.InvalidArgument,
      );
    }
    const subject = checkedSubject(request, topic);

    const key = bufferKey(request.Topic, subject);
    let topicBuffer = this.#buffers.get(key);
    if (!topicBuffer) {
      topicBuffer = { buffer: new EventBuffer(), refs: 0 };
      this.#buffers.set(key, topicBuffer);
    }
    topicBuffer.refs++;
    const held = topicBuffer;
    const head = streamStart(
      request,
      topicBuffer.buffer.tail,
      () => this.#snapshots.head(key) ?? this.#buildSnapshot(request, key, topic, held),
    );
    const subscription = new Subscription(request, key, head, (sub) => this.#release(sub, held));
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /** Ends every stream of `token` with `Aborted` (S7; Consul: ACL token/role/policy change). */
  forceCloseToken(token: string): void {
    this.#authorizing.revoke((request) => request.Token === token);
    for (const sub of this.#subscriptions) {
      if (sub.request.Token === token)
        sub.close(new ConnectError(FORCE_CLOSED_MESSAGE, Code.Aborted));
    }
  }

  /** Ends every stream of `topic` with `Aborted` and drops its cached snapshots (S7). */
  refreshTopic(topic: Topic): void {
    const registration = this.#topics.get(topic);
    if (!registration) throw new Error(`topic ${Topic[topic] ?? topic} is not registered`);
    registration.generation++;
    this.#authorizing.revoke((request) => request.Topic === topic);
    const prefix = bufferKey(topic, "");
    this.#snapshots.evictPrefix(prefix);
    // No stream may resume onto a buffer from before the refresh (S6): its source may have
    // missed entries or restored its state. Streams not yet released keep theirs, detached.
    for (const key of [...this.#buffers.keys()]) {
      if (!key.startsWith(prefix)) continue;
      this.#buffers.delete(key);
      this.#detached++;
    }
    for (const sub of this.#subscriptions) {
      if (sub.request.Topic === topic)
        sub.close(new ConnectError(FORCE_CLOSED_MESSAGE, Code.Aborted));
    }
  }

  /** Ends every stream with "server is shutting down" and refuses new ones (S7). */
  shutdown(): void {
    this.#shutdown = true;
    for (const topic of this.#topics.values()) topic.generation++;
    this.#snapshots.evictPrefix("");
    for (const sub of this.#subscriptions)
      sub.close(new ConnectError(SHUTTING_DOWN_MESSAGE, Code.Unavailable));
  }

  /**
   * Resolves once no subscription is open (at once if none is): lets a caller drain streams
   * before exit, and lets tests wait for server-side cleanup without polling.
   */
  idle(): Promise<void> {
    if (this.#subscriptions.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  stats(): PublisherStats {
    return {
      subscribers: this.#subscriptions.size,
      buffers: this.#buffers.size + this.#detached,
      cachedSnapshots: this.#snapshots.size,
    };
  }

  /** Builds a snapshot (S5) and caches it once complete, if its buffer is still the live one. */
  #buildSnapshot(
    request: SubscribeRequest,
    key: string,
    topic: TopicRegistration,
    topicBuffer: TopicBuffer,
  ): BufferItem {
    const generation = topic.generation;
    return buildSnapshot(request, topic.snapshot, topicBuffer.buffer.tail, (head, index) => {
      if (index > this.#reported) this.#reported = index;
      // A snapshot begun before a refreshTopic may hold the old state: never reuse it (S7).
      if (topic.generation === generation && this.#buffers.get(key) === topicBuffer) {
        this.#snapshots.offer(key, head);
      }
    });
  }

  #release(sub: Subscription, topicBuffer: TopicBuffer): void {
    if (!this.#subscriptions.delete(sub)) return;
    if (this.#subscriptions.size === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
    if (--topicBuffer.refs > 0) return;
    if (this.#buffers.get(sub.key) !== topicBuffer) {
      this.#detached--; // detached by refreshTopic
      return;
    }
    this.#buffers.delete(sub.key);
    // A cached snapshot is spliced onto this buffer, which gets no more events: drop it too,
    // or later subscribers would hang on a dead buffer (Consul does the same).
    this.#snapshots.evict(sub.key);
  }
}
