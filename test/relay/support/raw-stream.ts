/**
 * A Subscribe stream read over a bare `node:http2` session, frame by frame: the test controls
 * when it reads (pause it and HTTP/2 flow control stops the server's writes) and can reset it
 * at any byte. For the relay's direct path under hostile readers (issue 11, SPEC L1, L2).
 */
import * as http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type Event, EventSchema, SubscribeRequestSchema } from "react-submatview/gen";
import type { RequestInit } from "../../support/server.js";

export class RawStream {
  readonly stream: http2.ClientHttp2Stream;
  readonly events: Event[] = [];
  /** Bytes received so far (frames not yet complete included). */
  received = 0;
  #pending: Buffer = Buffer.alloc(0);
  #waiters: { count: number; resolve: () => void }[] = [];
  #ended: Error | undefined;

  constructor(session: http2.ClientHttp2Session, request: RequestInit) {
    const message = toBinary(SubscribeRequestSchema, create(SubscribeRequestSchema, request));
    const body = Buffer.alloc(5 + message.length);
    body.writeUInt32BE(message.length, 1);
    body.set(message, 5);
    this.stream = session.request({
      ":method": "POST",
      ":path": "/subscribe.StateChangeSubscription/Subscribe",
      "content-type": "application/grpc+proto",
      te: "trailers",
    });
    this.stream.end(body);
    this.stream.on("data", (chunk: Buffer) => this.#read(chunk));
    this.stream.on("error", () => {});
    this.stream.once("close", () => {
      this.#ended ??= new Error("stream closed");
      for (const waiter of this.#waiters.splice(0)) waiter.resolve();
    });
  }

  /** Resolves once `count` events arrived; rejects if the stream closes first. */
  async waitFor(count: number): Promise<Event[]> {
    if (this.events.length < count && !this.#ended) {
      await new Promise<void>((resolve) => this.#waiters.push({ count, resolve }));
    }
    if (this.events.length < count) {
      throw new Error(`stream ended after ${this.events.length} of ${count} events`);
    }
    return this.events.slice(0, count);
  }

  /** Resets the stream (RST_STREAM CANCEL), as a browser tab closing does. */
  cancel(): void {
    this.stream.close(http2.constants.NGHTTP2_CANCEL);
  }

  #read(chunk: Buffer): void {
    this.received += chunk.length;
    let pending = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    while (pending.length >= 5) {
      const length = pending.readUInt32BE(1);
      if (pending.length < 5 + length) break;
      this.events.push(fromBinary(EventSchema, pending.subarray(5, 5 + length)));
      pending = pending.subarray(5 + length);
    }
    this.#pending = pending;
    this.#waiters = this.#waiters.filter((waiter) => {
      if (this.events.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }
}

export interface RawAnswer {
  readonly headers: http2.IncomingHttpHeaders;
  /** Enveloped messages: flags and payload. */
  readonly frames: { flags: number; payload: Buffer }[];
  readonly trailers: http2.IncomingHttpHeaders;
}

/**
 * One Subscribe call with `contentType` and a raw `body` (sent once `bodyAfter` settles), read
 * to its end, or to `maxFrames` messages; fails after `deadlineMs`.
 */
export async function rawCall(
  url: string,
  contentType: string,
  body: Buffer,
  options: { bodyAfter?: Promise<unknown>; maxFrames?: number; deadlineMs?: number } = {},
): Promise<RawAnswer> {
  const session = http2.connect(url);
  session.on("error", () => {});
  try {
    const stream = session.request({
      ":method": "POST",
      ":path": "/subscribe.StateChangeSubscription/Subscribe",
      "content-type": contentType,
      te: "trailers",
    });
    stream.on("error", () => {});
    if (options.bodyAfter) void options.bodyAfter.then(() => stream.end(body));
    else stream.end(body);
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const frames: RawAnswer["frames"] = [];
    let pending = Buffer.alloc(0);
    stream.on("response", (h) => {
      headers = h;
    });
    stream.on("trailers", (t) => {
      trailers = t;
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error("no answer in time")),
        options.deadlineMs ?? 5000,
      );
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      stream.on("data", (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
          const length = pending.readUInt32BE(1);
          frames.push({ flags: pending[0]!, payload: pending.subarray(5, 5 + length) });
          pending = pending.subarray(5 + length);
        }
        if (options.maxFrames !== undefined && frames.length >= options.maxFrames) done();
      });
      stream.once("close", done);
    });
    return { headers, frames, trailers };
  } finally {
    session.destroy();
  }
}

/** `message` in the 5-byte envelope. */
export function enveloped(message: Uint8Array): Buffer {
  const body = Buffer.alloc(5 + message.length);
  body.writeUInt32BE(message.length, 1);
  body.set(message, 5);
  return body;
}
