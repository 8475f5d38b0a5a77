/**
 * A raw node:http / node:http2 (h2c) server on 127.0.0.1 that answers `Subscribe` in the
 * Connect, gRPC or gRPC-web protocol by hand, so a test can cut a stream exactly where a
 * network drop, a proxy or a server restart would: after a clean body end without the
 * protocol's end-of-stream, in the middle of an envelope, or by destroying the connection.
 */

import * as http from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { EventSchema, type SubscribeRequest, SubscribeRequestSchema } from "react-submatview/gen";

type EventInit = MessageInitShape<typeof EventSchema>;

/** How a response ends after its events. */
export type Ending =
  /** The body ends cleanly, without Connect's EndStreamResponse / gRPC's status trailers. */
  | { readonly cut: "end" }
  /** Half an envelope header, then a clean end: a message cut off mid-frame. */
  | { readonly cut: "partial" }
  /** The connection (HTTP/1.1 socket, HTTP/2 session) is destroyed. */
  | { readonly cut: "destroy" }
  /** A status the server really sends (Connect EndStreamResponse error, gRPC trailers). */
  | { readonly status: Code; readonly message: string }
  /** The stream stays open until the client goes away. */
  | { readonly hold: true };

export interface Response {
  readonly events: EventInit[];
  readonly ending: Ending;
}

export interface TruncatingServer {
  readonly url: string;
  /** Every `SubscribeRequest` received, in order. */
  readonly requests: SubscribeRequest[];
  close(): Promise<void>;
}

/** Answers the n-th `Subscribe` (0-based) with `script(n, request)`. */
export async function startTruncatingServer(
  httpVersion: "1.1" | "2",
  script: (n: number, request: SubscribeRequest) => Response,
): Promise<TruncatingServer> {
  const requests: SubscribeRequest[] = [];
  const closers = new Set<() => void>();
  const answer = async (
    contentType: string,
    body: AsyncIterable<Buffer>,
    out: Writer,
  ): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk);
    const request = fromBinary(SubscribeRequestSchema, Buffer.concat(chunks).subarray(5));
    const n = requests.push(request) - 1;
    const { events, ending } = script(n, request);
    const protocol = contentType.startsWith("application/connect")
      ? "connect"
      : contentType.startsWith("application/grpc-web")
        ? "grpc-web"
        : "grpc";
    out.head(
      protocol === "connect" ? "application/connect+proto" : `application/${protocol}+proto`,
    );
    let written = Promise.resolve();
    for (const init of events)
      written = out.write(envelope(0, toBinary(EventSchema, create(EventSchema, init))));
    if ("hold" in ending) return;
    if ("cut" in ending) {
      // The events reach the client first: the cut comes after them, as a real drop would.
      if (ending.cut === "destroy") return written.then(() => out.destroy());
      if (ending.cut === "partial") out.write(envelope(0, new Uint8Array(10)).subarray(0, 3));
      return out.end();
    }
    const text = encodeURIComponent(ending.message);
    if (protocol === "connect") {
      const error = { code: codeName(ending.status), message: ending.message };
      out.write(envelope(2, new TextEncoder().encode(JSON.stringify({ error }))));
      out.end();
    } else if (protocol === "grpc-web") {
      const trailer = `grpc-status: ${ending.status}\r\ngrpc-message: ${text}\r\n`;
      out.write(envelope(0x80, new TextEncoder().encode(trailer)));
      out.end();
    } else {
      out.end({ "grpc-status": String(ending.status), "grpc-message": text });
    }
  };

  let server: http.Server | http2.Http2Server;
  if (httpVersion === "1.1") {
    server = http.createServer((req, res) => {
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
      const grpc = String(headers["content-type"]).startsWith("application/grpc+");
      void answer(String(headers["content-type"] ?? ""), stream, {
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
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
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

function envelope(flags: number, data: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(5 + data.byteLength);
  bytes[0] = flags;
  new DataView(bytes.buffer).setUint32(1, data.byteLength);
  bytes.set(data, 5);
  return bytes;
}

/** Connect's wire name of a code (`InvalidArgument` → `invalid_argument`). */
function codeName(code: Code): string {
  return Code[code].replace(/[A-Z]/g, (c, i: number) => (i ? "_" : "") + c.toLowerCase());
}
