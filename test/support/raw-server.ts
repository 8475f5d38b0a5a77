/**
 * A raw node:http / node:http2 (h2c) server on 127.0.0.1 with no Connect handler: it answers
 * `Subscribe` in the Connect, gRPC or gRPC-web protocol byte by byte, so a reliability test can
 * send a real client whatever it wants — well-formed events, envelopes around invalid bytes,
 * bad flags, lengths the body never fills, huge messages, garbled end-of-stream frames — and
 * then end the stream with a real status, a clean end, a destroyed connection, or hold it open.
 */

import * as http from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { EventSchema, type SubscribeRequest, SubscribeRequestSchema } from "react-submatview/gen";

export type EventInit = MessageInitShape<typeof EventSchema>;

/** One piece of a response body. */
export type Frame =
  /** A well-formed data envelope around an `Event`. */
  | { readonly event: EventInit }
  /** A data envelope (flags 0, right length) around arbitrary bytes: invalid protobuf. */
  | { readonly message: Uint8Array }
  /** Bytes written as they are: bad flags, lengths the body never fills, half headers. */
  | { readonly bytes: Uint8Array };

/** How a response ends after its frames. */
export type RawEnding =
  /** The protocol's success end (Connect `{}`, gRPC(-web) status 0). */
  | { readonly ok: true }
  /** A status the server really sends. */
  | { readonly status: Code; readonly message: string }
  /** The body ends without the protocol's end-of-stream. */
  | { readonly cut: "end" }
  /** The connection (HTTP/1.1 socket, HTTP/2 session) is destroyed. */
  | { readonly cut: "destroy" }
  /** Open until the client goes away. */
  | { readonly hold: true };

export interface RawResponse {
  readonly frames: readonly Frame[];
  readonly ending: RawEnding;
}

export type WireProtocol = "connect" | "grpc" | "grpc-web";

export interface RawServer {
  readonly url: string;
  /** Every `SubscribeRequest` received, in order. */
  readonly requests: SubscribeRequest[];
  /** Responses still open (the client has not gone away, the server has not ended them). */
  readonly open: number;
  /** Protocols of the requests received, in order. */
  readonly protocols: WireProtocol[];
  /** Resolves once exactly `count` responses are open; rejects after `ms` (never hangs). */
  whenOpen(count: number, ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** Answers every `Subscribe` with `script(request, n)` (n: 0-based count of all requests). */
export async function startRawServer(
  httpVersion: "1.1" | "2",
  script: (request: SubscribeRequest, n: number) => RawResponse,
): Promise<RawServer> {
  const requests: SubscribeRequest[] = [];
  const protocols: WireProtocol[] = [];
  const closers = new Set<() => void>();
  let open = 0;
  const openWaiters = new Set<() => void>();

  const answer = async (contentType: string, body: AsyncIterable<Buffer>, out: Writer) => {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk);
    const request = fromBinary(SubscribeRequestSchema, Buffer.concat(chunks).subarray(5));
    const protocol: WireProtocol = contentType.startsWith("application/connect")
      ? "connect"
      : contentType.startsWith("application/grpc-web")
        ? "grpc-web"
        : "grpc";
    protocols.push(protocol);
    const n = requests.push(request) - 1;
    const { frames, ending } = script(request, n);
    out.head(`application/${protocol === "connect" ? "connect" : protocol}+proto`);
    let written = Promise.resolve();
    for (const frame of frames) written = out.write(encodeFrame(frame));
    if ("hold" in ending) return;
    if ("cut" in ending) {
      if (ending.cut === "destroy") return written.then(() => out.destroy());
      return out.end();
    }
    const code: number = "ok" in ending ? 0 : ending.status;
    const message = "ok" in ending ? "" : ending.message;
    if (protocol === "connect") {
      const end = "ok" in ending ? {} : { error: { code: codeName(ending.status), message } };
      out.write(envelope(2, new TextEncoder().encode(JSON.stringify(end))));
      out.end();
    } else if (protocol === "grpc-web") {
      const trailer = `grpc-status: ${code}\r\ngrpc-message: ${encodeURIComponent(message)}\r\n`;
      out.write(envelope(0x80, new TextEncoder().encode(trailer)));
      out.end();
    } else {
      out.end({ "grpc-status": String(code), "grpc-message": encodeURIComponent(message) });
    }
  };

  const track = (closed: { once(event: "close", listener: () => void): unknown }) => {
    open++;
    closed.once("close", () => {
      open--;
      for (const check of [...openWaiters]) check();
    });
  };

  let server: http.Server | http2.Http2Server;
  if (httpVersion === "1.1") {
    server = http.createServer((req, res) => {
      track(res);
      closers.add(() => res.destroy());
      void answer(req.headers["content-type"] ?? "", req, {
        head: (type) => res.writeHead(200, { "content-type": type }),
        write: (bytes) => new Promise((resolve) => res.write(bytes, () => resolve())),
        end: () => res.end(),
        destroy: () => res.socket?.destroy(),
      });
    });
  } else {
    server = http2.createServer();
    server.on("session", (session) => closers.add(() => session.destroy()));
    server.on("stream", (stream, headers) => {
      track(stream);
      // A client's RST_STREAM (cancel, or INTERNAL_ERROR after a bad message) is expected here.
      stream.on("error", () => {});
      const contentType = String(headers["content-type"] ?? "");
      const grpc = contentType.startsWith("application/grpc+");
      void answer(contentType, stream, {
        head: (type) =>
          stream.respond({ ":status": 200, "content-type": type }, { waitForTrailers: grpc }),
        write: (bytes) => new Promise((resolve) => stream.write(bytes, () => resolve())),
        end: (trailers) => {
          if (grpc) stream.once("wantTrailers", () => stream.sendTrailers(trailers ?? {}));
          stream.end();
        },
        destroy: () => stream.session?.destroy(),
      });
    });
  }
  // A client that goes away mid-write must not crash the test process.
  server.on("clientError", (_error, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    protocols,
    get open() {
      return open;
    },
    whenOpen(count, ms = 2_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (open !== count) return;
          openWaiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          openWaiters.delete(check);
          reject(new Error(`${open} responses still open, expected ${count}`));
        }, ms);
        openWaiters.add(check);
        check();
      });
    },
    close() {
      for (const close of closers) close();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

interface Writer {
  head(contentType: string): void;
  /** Resolves once the bytes are handed to the socket. */
  write(bytes: Uint8Array): Promise<void>;
  /** Ends the body; for gRPC over HTTP/2, with these trailers (none: a stream cut short). */
  end(trailers?: Record<string, string>): void;
  destroy(): void;
}

/** The bytes of one frame. */
export function encodeFrame(frame: Frame): Uint8Array {
  if ("bytes" in frame) return frame.bytes;
  if ("message" in frame) return envelope(0, frame.message);
  return envelope(0, toBinary(EventSchema, create(EventSchema, frame.event)));
}

/** An envelope: flags, a big-endian uint32 length, then `data`. */
export function envelope(flags: number, data: Uint8Array, length = data.byteLength): Uint8Array {
  const bytes = new Uint8Array(5 + data.byteLength);
  bytes[0] = flags;
  new DataView(bytes.buffer).setUint32(1, length);
  bytes.set(data, 5);
  return bytes;
}

/** Connect's wire name of a code (`InvalidArgument` → `invalid_argument`). */
function codeName(code: Code): string {
  return Code[code].replace(/[A-Z]/g, (c, i: number) => (i ? "_" : "") + c.toLowerCase());
}
