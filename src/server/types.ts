import type { MessageInitShape } from "@bufbuild/protobuf";
import type { EventSchema, SubscribeRequest, Topic } from "../gen/index.js";

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
