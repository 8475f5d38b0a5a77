import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Event, EventSchema, SubscribeRequest, Topic } from "../gen/index.js";

/** The payload oneof of an `Event`, as accepted by `create(EventSchema, …)`. */
export type EventPayload = MessageInitShape<typeof EventSchema>["Payload"];

/** One event of a published transaction (SPEC S3). */
export interface PublishEvent {
  readonly topic: Topic;
  /** Routing key, built with `subjectKey()` for health-style topics (S2). */
  readonly subject: string;
  readonly index: bigint;
  readonly payload: EventPayload;
}

/** One event of a snapshot; it carries the snapshot's index. */
export interface SnapshotEvent {
  readonly index: bigint;
  readonly payload: EventPayload;
}

/**
 * Builds the snapshot of one subject: call `append` with groups of events (each group becomes
 * one wire event, or one `EventBatch`), and return the index the snapshot reflects. Every
 * change with an index up to the returned one must be in the snapshot (S5).
 */
export type SnapshotFunc = (
  request: SubscribeRequest,
  append: (events: readonly SnapshotEvent[]) => void,
) => bigint | Promise<bigint>;

/** Events as the authorizer sees them; framing events are never filtered. */
export type EventFilter = (event: Event) => boolean;

export interface TopicOptions {
  /** Whether `WildcardSubject` subscriptions are allowed (Consul: ServiceList). */
  readonly wildcard?: boolean;
  /**
   * Whether named subjects are allowed. Default: every topic but `ServiceList`, which Consul
   * serves to `WildcardSubject` only (its events are not routed by subject).
   */
  readonly named?: boolean;
}

/**
 * Resolves a token, once per stream, to a filter of the events it may read; `null` when the
 * token is unknown (the stream fails with `Unknown: ACL not found`, S7).
 */
export type Authorizer = (token: string) => EventFilter | null | Promise<EventFilter | null>;

/** Injectable timers (tests pass a manual clock). */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface EventPublisherOptions {
  /** How long a built snapshot is reused per (topic, subject); 0 disables the cache. Default 10 s. */
  readonly snapshotCacheTtlMs?: number;
  readonly authorizer?: Authorizer;
  readonly timers?: Timers;
  /**
   * This server's datacenter (default "dc1"): a request naming another one fails with
   * `Unknown: No path to datacenter`, as Consul answers for a datacenter it has no route to.
   */
  readonly datacenter?: string;
}

/** Counters for leak tests (S8). */
export interface PublisherStats {
  /** Open subscriptions (one per stream). */
  readonly subscribers: number;
  /** Topic buffers held by at least one subscription. */
  readonly buffers: number;
  /** Cached snapshots. */
  readonly cachedSnapshots: number;
}
