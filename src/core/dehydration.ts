import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { base64Decode, base64Encode } from "@bufbuild/protobuf/wire";
import { type Event, EventBatchSchema } from "../gen/index.js";
import type { DehydratedState } from "./types.js";

export type DehydratedEntry = DehydratedState["entries"][number];

/** One view's snapshot, JSON-safe: a base64 `EventBatch` and the index as a string (SPEC H4). */
export function encodeSnapshot(key: string, events: Event[], index: bigint): DehydratedEntry {
  const bytes = toBinary(EventBatchSchema, create(EventBatchSchema, { Events: events }));
  return { key, index: index.toString(), events: base64Encode(bytes) };
}

/** The events and index of a dehydrated entry; throws on anything malformed. */
export function decodeSnapshot(entry: DehydratedEntry): { events: Event[]; index: bigint } {
  if (!/^[1-9][0-9]*$/.test(entry.index))
    throw new Error(`bad snapshot index ${JSON.stringify(entry.index)}`);
  return {
    events: fromBinary(EventBatchSchema, base64Decode(entry.events)).Events,
    index: BigInt(entry.index),
  };
}
