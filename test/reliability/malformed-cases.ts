/**
 * The malformed inputs of the raw-server test (issue 7 item 2), one per row of RELIABILITY.md:
 * what the server sends on the victim key's first stream(s), which SPEC M5/M6 class the client
 * must apply, and the error it must surface. Every case starts from a good snapshot at 5 and a
 * live event at 6 unless it says otherwise; the stream after the bad one is always good.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ProtocolError, StreamEndedError } from "react-submatview/core";
import { EventSchema } from "react-submatview/gen";
import { ev } from "../support/pushable-client.js";
import {
  type EventInit,
  envelope,
  type Frame,
  type RawResponse,
  type WireProtocol,
} from "../support/raw-server.js";

/** The states the server defines for the victim key (ids at each index). */
export const model: ReadonlyMap<bigint, string[]> = new Map([
  [5n, ["a"]],
  [6n, ["a", "b"]],
  [10n, ["a", "b", "c"]],
]);

const reg = (index: bigint, id: string) => ev.register(index, id, id);
const dereg = (index: bigint, id: string) => ev.deregister(index, id, id);
const events = (...inits: EventInit[]): Frame[] => inits.map((event) => ({ event }));
const bytesOf = (init: EventInit) => toBinary(EventSchema, create(EventSchema, init));

/** A good fresh snapshot at 5, then the live event at 6. */
export const prefix: Frame[] = events(reg(5n, "a"), ev.end(5n), reg(6n, "b"));

/** The good stream after the bad ones: from any request index, ends at state 10, held open. */
export function goodStream(index: bigint): RawResponse {
  const snapshot = events(reg(10n, "a"), ev.batch(10n, [reg(10n, "b"), reg(10n, "c")]));
  if (index === 0n)
    return { frames: [...snapshot, { event: ev.end(10n) }], ending: { hold: true } };
  if (index === 6n) return { frames: events(reg(10n, "c")), ending: { hold: true } };
  return {
    frames: [{ event: ev.newSnapshot() }, ...snapshot, { event: ev.end(10n) }],
    ending: { hold: true },
  };
}

export type Kind = "fault" | "retry" | "terminal";

export interface Case {
  readonly name: string;
  /** The class SPEC M5/M6 assigns (the RELIABILITY.md table). */
  readonly kind: Kind;
  /** Responses to the victim's first requests; later ones get {@link goodStream}. */
  readonly bad: readonly RawResponse[];
  /** The error the client must surface (checked on the first error notify after the bad input). */
  readonly error: (error: Error) => boolean;
  /** Request indexes the victim must send, in order (the last one gets the good stream). */
  readonly indexes: readonly bigint[];
  readonly protocols?: readonly WireProtocol[];
  /** The transport's `readMaxBytes`. */
  readonly readMaxBytes?: number;
}

const protocolFault = (e: Error) => e instanceof ProtocolError;
const connectError = (code: Code) => (e: Error) => e instanceof ConnectError && e.code === code;
const okEnd = { ok: true } as const;
const valid = bytesOf(reg(7n, "c"));
/** An Event at 7 whose payload is field 99 (a varint), a case the schema does not know. */
const unknownPayload = new Uint8Array([...bytesOf({ Index: 7n }), 0x98, 0x06, 0x01]);

export const cases: readonly Case[] = [
  {
    name: "bad envelope flags (compressed bit, no compression negotiated)",
    kind: "retry",
    bad: [{ frames: [...prefix, { bytes: envelope(0x01, valid) }], ending: okEnd }],
    error: connectError(Code.Internal),
    indexes: [0n, 6n],
  },
  {
    name: "envelope length exceeds the body",
    kind: "retry",
    bad: [{ frames: [...prefix, { bytes: envelope(0, valid, 1000) }], ending: { cut: "end" } }],
    error: (e) => e instanceof ConnectError,
    indexes: [0n, 6n],
  },
  {
    name: "truncated message (half an Event in a well-formed envelope)",
    kind: "retry",
    bad: [{ frames: [...prefix, { message: valid.subarray(0, 9) }], ending: okEnd }],
    error: connectError(Code.Internal),
    indexes: [0n, 6n],
  },
  {
    name: "invalid protobuf bytes",
    kind: "retry",
    bad: [
      { frames: [...prefix, { message: new Uint8Array([0xff, 0xff, 0xff, 0xff]) }], ending: okEnd },
    ],
    error: connectError(Code.Internal),
    indexes: [0n, 6n],
  },
  {
    name: "unknown payload case (field 99)",
    kind: "fault",
    bad: [{ frames: [...prefix, { message: unknownPayload }], ending: okEnd }],
    error: protocolFault,
    indexes: [0n, 0n],
  },
  {
    name: "payload of another topic (ConfigEntry) in a health stream",
    kind: "fault",
    bad: [
      {
        frames: [...prefix, ...events({ Index: 7n, Payload: { case: "ConfigEntry", value: {} } })],
        ending: okEnd,
      },
    ],
    error: protocolFault,
    indexes: [0n, 0n],
  },
  {
    name: "EndOfSnapshot before any snapshot on a resume",
    kind: "fault",
    bad: [
      { frames: prefix, ending: okEnd },
      { frames: events(ev.end(7n)), ending: okEnd },
    ],
    error: protocolFault,
    indexes: [0n, 6n, 0n],
  },
  {
    name: "NewSnapshotToFollow mid-live",
    kind: "fault",
    bad: [{ frames: [...prefix, ...events(ev.newSnapshot(), reg(7n, "c"))], ending: okEnd }],
    error: protocolFault,
    indexes: [0n, 0n],
  },
  {
    name: "EndOfSnapshot twice",
    kind: "fault",
    bad: [{ frames: events(reg(5n, "a"), ev.end(5n), ev.end(5n)), ending: okEnd }],
    error: protocolFault,
    indexes: [0n, 0n],
  },
  {
    name: "live event at the current index (regression)",
    kind: "fault",
    bad: [{ frames: [...prefix, ...events(dereg(6n, "a"))], ending: okEnd }],
    error: protocolFault,
    indexes: [0n, 0n],
  },
  {
    name: "live event below the current index (regression)",
    kind: "fault",
    bad: [{ frames: [...prefix, ...events(reg(4n, "z"))], ending: okEnd }],
    error: protocolFault,
    indexes: [0n, 0n],
  },
  {
    name: "batch whose members carry different indexes",
    kind: "fault",
    bad: [
      {
        frames: [...prefix, ...events(ev.batch(7n, [reg(7n, "c"), dereg(8n, "a")]))],
        ending: okEnd,
      },
    ],
    error: protocolFault,
    indexes: [0n, 0n],
  },
  {
    name: "batch rejected half-way (valid event, then a foreign payload)",
    kind: "fault",
    bad: [
      {
        frames: [
          ...prefix,
          ...events(
            ev.batch(7n, [
              reg(7n, "c"),
              { Index: 7n, Payload: { case: "ConfigEntry", value: {} } },
            ]),
          ),
        ],
        ending: okEnd,
      },
    ],
    error: protocolFault,
    indexes: [0n, 0n],
  },
  {
    name: "EndOfSnapshot at index 0 (a snapshot must have an index)",
    kind: "fault",
    bad: [{ frames: events(reg(0n, "a"), ev.end(0n)), ending: okEnd }],
    error: protocolFault,
    indexes: [0n, 0n],
  },
  {
    // First on its stream: connect-es checks the length when it reads an envelope header, so
    // an oversize header in the same TCP chunk as earlier messages drops them too (they are
    // sent again on the resubscribe; nothing applied is lost).
    name: "message larger than the transport's readMaxBytes",
    kind: "retry",
    readMaxBytes: 64 * 1024,
    bad: [
      {
        frames: [{ message: new Uint8Array([...bytesOf({ Index: 5n }), ...bigField(256 * 1024)]) }],
        ending: okEnd,
      },
    ],
    error: connectError(Code.ResourceExhausted),
    indexes: [0n, 0n],
  },
  {
    // connect-es's default readMaxBytes is 0xffffffff and the registry cannot set one (it is a
    // transport option): the header is accepted, the buffer allocated lazily, the cut detected.
    name: "envelope claiming 4 GiB under the default readMaxBytes, then a cut",
    kind: "retry",
    bad: [
      {
        frames: [...prefix, { bytes: envelope(0, valid, 0xffffffff) }],
        ending: { cut: "end" },
      },
    ],
    error: (e) => e instanceof ConnectError,
    indexes: [0n, 6n],
  },
  {
    name: "garbled Connect EndStreamResponse",
    kind: "retry",
    protocols: ["connect"],
    bad: [
      {
        frames: [...prefix, { bytes: envelope(2, new TextEncoder().encode("{not json")) }],
        ending: { cut: "end" },
      },
    ],
    error: (e) => e instanceof ConnectError,
    indexes: [0n, 6n],
  },
  {
    name: "garbled gRPC-web trailer",
    kind: "retry",
    protocols: ["grpc-web"],
    bad: [
      {
        frames: [...prefix, { bytes: envelope(0x80, new Uint8Array([0xff, 0x00, 0x0a])) }],
        ending: { cut: "end" },
      },
    ],
    error: (e) => e instanceof ConnectError,
    indexes: [0n, 6n],
  },
  {
    name: "stream ended cleanly (control: a retry from the index)",
    kind: "retry",
    bad: [{ frames: prefix, ending: okEnd }],
    error: (e) => e instanceof StreamEndedError,
    indexes: [0n, 6n],
  },
];

/** An unknown length-delimited field (number 98) of `size` bytes: a huge but valid message. */
function bigField(size: number): Uint8Array {
  const header = [0x92, 0x06];
  let n = size;
  while (n >= 0x80) {
    header.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  header.push(n);
  const bytes = new Uint8Array(header.length + size);
  bytes.set(header);
  return bytes;
}
