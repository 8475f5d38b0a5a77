/**
 * The relay's snapshots (SPEC P5, L2): a channel's current objects as a snapshot chain spliced
 * onto its live buffer, and the difference between two states as the events of one change
 * (how an upstream resnapshot reaches open streams).
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { type Event, EventSchema } from "../gen/index.js";
import type { BufferItem, Link } from "../server/event-buffer.js";
import type { RelayTopic } from "./relay-topics.js";
import { markSnapshotItem, preEncoded, RelayItem } from "./relay-wire.js";

type Fields = NonNullable<Event["$unknown"]>;

/** One current object: its latest event and, once a snapshot needed them, its encoded payload. */
export interface StoredObject {
  readonly event: Event;
  fields?: Fields;
}

/**
 * `objects` as a snapshot at `index`: one item per object, then `EndOfSnapshot`, linked to
 * `next` (the live buffer tail's future successor). Snapshot events carry the snapshot's index
 * (P5) in front of payload bytes encoded once per object and shared by later snapshots.
 */
export function buildSnapshot(
  objects: Iterable<StoredObject>,
  index: bigint,
  next: Link,
): BufferItem {
  const head = new RelayItem([]);
  const indexField = {
    no: 1,
    wireType: WireType.Varint,
    data: new BinaryWriter().uint64(index).finish(),
  };
  let last = head;
  for (const stored of objects) {
    stored.fields ??= payloadFields(stored.event);
    const item = new RelayItem([stored.event]);
    const wire = create(EventSchema);
    wire.$unknown = [indexField, ...stored.fields];
    item.wire = wire;
    markSnapshotItem(item, index);
    last.link.set(item);
    last = item;
  }
  const end = new RelayItem([
    create(EventSchema, { Index: index, Payload: { case: "EndOfSnapshot", value: true } }),
  ]);
  last.link.set(end);
  end.link = next;
  return head;
}

/** The events at `index` taking `current` to `next`: upserts, then removals. */
export function difference(
  current: ReadonlyMap<string, StoredObject>,
  next: ReadonlyMap<string, StoredObject>,
  index: bigint,
  topic: RelayTopic,
): Event[] {
  const changes: Event[] = [];
  for (const [key, stored] of next) {
    const was = current.get(key);
    if (!was || !samePayload(was.event, stored.event)) {
      changes.push(create(EventSchema, { Index: index, Payload: stored.event.Payload }));
    }
  }
  for (const [key, was] of current) {
    if (!next.has(key)) changes.push(topic.deletion(was.event, index));
  }
  return changes;
}

/** The encoded fields of an event's payload (everything but its index). */
function payloadFields(event: Event): Fields {
  return preEncoded(event).$unknown!.filter((field) => field.no !== 1);
}

function samePayload(a: Event, b: Event): boolean {
  const left = toBinary(EventSchema, create(EventSchema, { Payload: a.Payload }));
  const right = toBinary(EventSchema, create(EventSchema, { Payload: b.Payload }));
  return left.length === right.length && left.every((byte, i) => byte === right[i]);
}
