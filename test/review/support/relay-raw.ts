/**
 * Raw Subscribe calls for the relay reviews: one request over a bare `node:http2` stream or a
 * `node:http` request, with any headers and body bytes, and the whole answer kept (status,
 * headers, body frames, trailers) so a test can compare what the relay's direct path and
 * connect-node's handler write for the same request (SPEC L3, P2). Every call has a deadline.
 */
import * as http from "node:http";
import * as http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { SubscribeRequestSchema } from "react-submatview/gen";
import type { RequestInit } from "../../support/server.js";

export const SUBSCRIBE = "/subscribe.StateChangeSubscription/Subscribe";

export interface RawFrame {
  readonly flags: number;
  readonly payload: Buffer;
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly trailers: Record<string, string>;
  readonly frames: RawFrame[];
  /** Bytes after the last whole frame. */
  readonly rest: Buffer;
}

export interface RawCall {
  readonly http: "1.1" | "2";
  readonly method?: string;
  readonly path?: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** Stop reading after this many frames with flags 0 and reset the stream. */
  readonly maxFrames?: number;
  /** Sends the body only once this settles (the headers go at once). */
  readonly bodyAfter?: Promise<void>;
  /** Called with the count of data frames (flags 0) each time more arrive. */
  readonly onFrames?: (count: number) => void;
}

/** `message` in the 5-byte envelope. */
export function envelope(message: Uint8Array, flags = 0, length = message.length): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame[0] = flags;
  frame.writeUInt32BE(length, 1);
  frame.set(message, 5);
  return frame;
}

/** A binary SubscribeRequest, enveloped. */
export function requestBody(init: RequestInit): Buffer {
  return envelope(toBinary(SubscribeRequestSchema, create(SubscribeRequestSchema, init)));
}

function frames(body: Buffer): { frames: RawFrame[]; rest: Buffer } {
  const out: RawFrame[] = [];
  let at = 0;
  while (body.length - at >= 5) {
    const length = body.readUInt32BE(at + 1);
    if (body.length - at < 5 + length) break;
    out.push({ flags: body[at]!, payload: body.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return { frames: out, rest: body.subarray(at) };
}

const plain = (headers: http.IncomingHttpHeaders | http2.IncomingHttpHeaders) => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(":")) continue;
    out[name] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  return out;
};

/** Sends `call` to `url` and resolves with the whole answer; rejects after `timeoutMs`. */
export function rawCall(url: string, call: RawCall, timeoutMs = 5000): Promise<RawAnswer> {
  const attempt = call.http === "2" ? h2Call(url, call) : h1Call(url, call);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([attempt, deadline]).finally(() => clearTimeout(timer));
}

function h2Call(url: string, call: RawCall): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on("error", reject);
    const stream = session.request({
      ":method": call.method ?? "POST",
      ":path": call.path ?? SUBSCRIBE,
      ...call.headers,
    });
    let status = 0;
    let headers: Record<string, string> = {};
    let trailers: Record<string, string> = {};
    const chunks: Buffer[] = [];
    stream.on("response", (h) => {
      status = Number(h[":status"]);
      headers = plain(h);
    });
    stream.on("trailers", (t) => {
      trailers = plain(t);
    });
    const finish = () => {
      session.destroy();
      resolve({ status, headers, trailers, ...frames(Buffer.concat(chunks)) });
    };
    stream.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      const data = frames(Buffer.concat(chunks)).frames.filter((f) => f.flags === 0);
      call.onFrames?.(data.length);
      if (call.maxFrames === undefined) return;
      if (data.length >= call.maxFrames) {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        finish();
      }
    });
    stream.on("error", reject);
    stream.on("close", finish);
    // A GET's stream is half-closed by its headers: nothing to send.
    if (call.bodyAfter) void call.bodyAfter.then(() => stream.end(call.body));
    else if (stream.writable) stream.end(call.body);
  });
}

function h1Call(url: string, call: RawCall): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}${call.path ?? SUBSCRIBE}`, {
      method: call.method ?? "POST",
      headers: call.headers,
      agent: false,
    });
    request.on("error", reject);
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      const finish = () => {
        request.destroy();
        resolve({
          status: response.statusCode ?? 0,
          headers: plain(response.headers),
          trailers: plain(response.trailers),
          ...frames(Buffer.concat(chunks)),
        });
      };
      response.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        const data = frames(Buffer.concat(chunks)).frames.filter((f) => f.flags === 0);
        call.onFrames?.(data.length);
        if (call.maxFrames === undefined) return;
        if (data.length >= call.maxFrames) finish();
      });
      response.on("end", finish);
      response.on("error", reject);
    });
    request.end(call.body);
  });
}
