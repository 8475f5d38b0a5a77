/**
 * How a transaction is written into a Redis stream entry and a state row, and read back: the
 * events as one protobuf `EventBatch` (binary), their routing (topic, subject, row key) as JSON.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { uniqueId } from "../core/service-health-view.js";
import {
  CatalogOp,
  type CheckServiceNode,
  type Event,
  EventBatchSchema,
  EventSchema,
  Topic,
} from "../gen/index.js";
import { subjectKey } from "../server/subjects.js";
import type { EventPayload, PublishEvent } from "../server/types.js";
import { parseIndex, text } from "./redis-scripts.js";

/**
 * One event of a transaction appended through Redis, and what it does to the state snapshots
 * are built from: the row `key` of (`topic`, `subject`) now holds `payload` (what a snapshot
 * sends for it), or with `delete` leaves the state. A Consul-style topic keys rows by the
 * object the event changes (a service instance's unique ID for ServiceHealth).
 */
export interface RedisWrite {
  readonly topic: Topic;
  /** Routing key, from `subjectKey()` for health-style topics (SPEC S2). */
  readonly subject: string;
  /** The row this event changes within its subject. */
  readonly key: string;
  readonly payload: EventPayload;
  /** The row leaves the state (a Deregister or Delete); default: the row is set to `payload`. */
  readonly delete?: boolean;
}

/** The row key of a state hash field: unambiguous for any topic, subject and key. */
export const stateField = (topic: Topic, subject: string, key: string) =>
  JSON.stringify([topic, subject, key]);

/** The script arguments of one transaction: batch, routes, then (op, field, value) per row. */
export function encodeTransaction(writes: readonly RedisWrite[]): {
  batch: Buffer;
  routes: string;
  rows: Array<string | Buffer>;
} {
  if (writes.length === 0) throw new Error("redis append: a transaction needs at least one write");
  const events: Event[] = [];
  const rows: Array<string | Buffer> = [];
  const routes: Array<[Topic, string, string, 0 | 1]> = [];
  for (const write of writes) {
    if (Topic[write.topic] === undefined || write.topic === Topic.Unknown) {
      throw new Error(`redis append: unknown topic ${String(write.topic)}`);
    }
    if (typeof write.subject !== "string" || typeof write.key !== "string") {
      throw new Error("redis append: subject and key must be strings");
    }
    // The index is the script's to give: every event of the entry takes it when read (S3).
    const event = create(EventSchema, { Payload: write.payload });
    events.push(event);
    routes.push([write.topic, write.subject, write.key, write.delete ? 1 : 0]);
    const field = stateField(write.topic, write.subject, write.key);
    if (write.delete) rows.push("d", field, "");
    else rows.push("s", field, Buffer.from(toBinary(EventSchema, event)));
  }
  return {
    batch: Buffer.from(toBinary(EventBatchSchema, create(EventBatchSchema, { Events: events }))),
    routes: JSON.stringify(routes),
    rows,
  };
}

/** One decoded stream entry: its transaction index and its events, routed. */
export interface DecodedEntry {
  readonly index: bigint;
  readonly events: PublishEvent[];
  /** Per event: its row and whether it leaves the state. */
  readonly rows: Array<{ readonly field: string; readonly delete: boolean }>;
}

/** Decodes an entry's flat field list (`index`, `batch`, `routes`); throws on anything else. */
export function decodeEntry(fields: readonly unknown[]): DecodedEntry {
  let index: bigint | undefined;
  let batch: Buffer | undefined;
  let routes: unknown;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = text(fields[i]);
    const value = fields[i + 1];
    if (name === "index") index = parseIndex(text(value));
    else if (name === "batch" && Buffer.isBuffer(value)) batch = value;
    else if (name === "routes") routes = JSON.parse(text(value));
  }
  if (index === undefined || !batch || !Array.isArray(routes)) {
    throw new Error("redis: a stream entry without index, batch and routes");
  }
  const decoded = fromBinary(EventBatchSchema, batch).Events;
  if (decoded.length !== routes.length) {
    throw new Error(
      `redis: entry ${index} has ${decoded.length} events and ${routes.length} routes`,
    );
  }
  const events: PublishEvent[] = [];
  const rows: DecodedEntry["rows"] = [];
  for (let i = 0; i < decoded.length; i++) {
    const route = routes[i] as unknown;
    if (!Array.isArray(route) || typeof route[0] !== "number" || typeof route[1] !== "string") {
      throw new Error(`redis: entry ${index} has a malformed route`);
    }
    const [topic, subject, key, removed] = route as [Topic, string, string, number];
    events.push({ topic, subject, index, payload: decoded[i]!.Payload });
    rows.push({ field: stateField(topic, subject, key), delete: removed === 1 });
  }
  return { index, events, rows };
}

/** Reads a state hash field back into its (topic, subject). */
export function parseStateField(field: string): { topic: Topic; subject: string } {
  const parsed = JSON.parse(field) as unknown;
  if (!Array.isArray(parsed) || typeof parsed[0] !== "number" || typeof parsed[1] !== "string") {
    throw new Error("redis: a malformed state row");
  }
  return { topic: parsed[0] as Topic, subject: parsed[1] };
}

/** A state row's payload (what a snapshot sends for it). */
export const decodeRow = (value: Buffer): EventPayload => fromBinary(EventSchema, value).Payload;

/**
 * The write of a Consul ServiceHealth event (or, with `topic`, ServiceHealthConnect under
 * `subject`): the row is the instance's unique ID (partition/peer/node/namespace/service ID, as
 * `ServiceHealthView` keys it), a Deregister removes it.
 */
export function serviceHealthWrite(
  op: CatalogOp,
  csn: CheckServiceNode,
  options: { readonly topic?: Topic; readonly subject?: string } = {},
): RedisWrite {
  const peer = csn.Service?.PeerName || csn.Node?.PeerName || "";
  return {
    topic: options.topic ?? Topic.ServiceHealth,
    subject: options.subject ?? subjectKey(csn.Service?.Service ?? "", peer),
    key: uniqueId(csn),
    payload: { case: "ServiceHealth", value: { Op: op, CheckServiceNode: csn } },
    delete: op === CatalogOp.Deregister,
  };
}
