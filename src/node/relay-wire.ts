/**
 * Wire events encoded once per relayed item and shared by every downstream stream: the relay
 * serializes an event once, not once per subscriber (10,000 streams on one key would otherwise
 * encode each event 10,000 times).
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { type Event, EventSchema } from "../gen/index.js";
import type { BufferItem } from "../server/event-buffer.js";

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
