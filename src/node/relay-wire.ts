/**
 * Wire events encoded once per relayed item and shared by every downstream stream: the relay
 * serializes an event once, not once per subscriber (10,000 streams on one key would otherwise
 * encode each event 10,000 times).
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { type Event, EventSchema } from "../gen/index.js";

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
