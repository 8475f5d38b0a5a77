/**
 * Wire events encoded once per relayed item and shared by every downstream stream: the relay
 * serializes an event once, not once per subscriber (10,000 streams on one key would otherwise
 * encode each event 10,000 times).
 */
import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { type Event, EventSchema } from "../gen/index.js";
import { BufferItem } from "../server/event-buffer.js";
import { wireEvent } from "../server/subscribe-service.js";
import { envelope } from "./relay-frames.js";

/**
 * A buffer item of the relay with its enveloped message in each codec, built on first use and
 * written as is to every direct stream of its key (one encoding per item, not per stream).
 */
export class RelayItem extends BufferItem {
  binary: Buffer | undefined = undefined;
  json: Buffer | undefined = undefined;
}

/** The item's enveloped binary `Event` (gRPC, gRPC-web and Connect share the envelope). */
export function binaryFrame(item: BufferItem): Buffer {
  const relayItem = item as RelayItem;
  relayItem.binary ??= envelope(0, toBinary(EventSchema, wireEvent(item, undefined)!));
  return relayItem.binary;
}

/** The item's enveloped JSON `Event`, for the JSON codecs. */
export function jsonFrame(item: BufferItem): Buffer {
  const relayItem = item as RelayItem;
  relayItem.json ??= envelope(0, Buffer.from(toJsonString(EventSchema, plainEvent(item)), "utf8"));
  return relayItem.json;
}

/**
 * An `Event` whose fields are all kept as raw bytes (protobuf-es unknown fields): writing it
 * copies the bytes of `event` as they were encoded once, field by field, so every stream's
 * serializer emits exactly the same message without walking it again.
 */
export function preEncoded(event: Event): Event {
  const bytes = toBinary(EventSchema, event);
  const reader = new BinaryReader(bytes);
  const fields: NonNullable<Event["$unknown"]> = [];
  while (reader.pos < reader.len) {
    const [no, wireType] = reader.tag();
    fields.push({ no, wireType, data: reader.skip(wireType, no) });
  }
  const wire = create(EventSchema);
  wire.$unknown = fields;
  return wire;
}

/** The snapshot index of each snapshot item (their events keep the index they arrived with). */
const snapshotIndexes = new WeakMap<BufferItem, bigint>();
const plainEvents = new WeakMap<BufferItem, Event>();

/** Marks `item` as a snapshot event at `index`. */
export function markSnapshotItem(item: BufferItem, index: bigint): void {
  snapshotIndexes.set(item, index);
}

/**
 * The item as a plain `Event`, for streams in the JSON format (a JSON serializer skips unknown
 * fields, so the pre-encoded form would read `{}`): a snapshot event at the snapshot's index, a
 * live event as it came, or an `EventBatch` of the item's events. Built once per item.
 */
export function plainEvent(item: BufferItem): Event {
  let event = plainEvents.get(item);
  if (event) return event;
  const events = item.events;
  const snapshotIndex = snapshotIndexes.get(item);
  if (snapshotIndex !== undefined) {
    event = create(EventSchema, { Index: snapshotIndex, Payload: events[0]!.Payload });
  } else if (events.length === 1) event = events[0]!;
  else {
    event = create(EventSchema, {
      Index: events[0]!.Index,
      Payload: { case: "EventBatch", value: { Events: [...events] } },
    });
  }
  plainEvents.set(item, event);
  return event;
}
