/**
 * The cut-stream server of the dropped-connection tests (SPEC M6): a thin script adapter over
 * the raw server (raw-server.ts), which answers `Subscribe` by hand in the Connect, gRPC or
 * gRPC-web protocol on 127.0.0.1, so a test can cut a stream exactly where a network drop, a
 * proxy or a server restart would: after a clean body end without the protocol's
 * end-of-stream, in the middle of an envelope, or by destroying the connection.
 */

import type { Code } from "@connectrpc/connect";
import type { SubscribeRequest } from "react-submatview/gen";
import {
  type EventInit,
  envelope,
  type Frame,
  type RawServer,
  startRawServer,
} from "./raw-server.js";

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

export type TruncatingServer = Pick<RawServer, "url" | "requests" | "close">;

/** Three bytes of a five-byte envelope header: a message cut off mid-frame. */
const halfHeader: Frame = { bytes: envelope(0, new Uint8Array(10)).subarray(0, 3) };

/** Answers the n-th `Subscribe` (0-based) with `script(n, request)`. */
export function startTruncatingServer(
  httpVersion: "1.1" | "2",
  script: (n: number, request: SubscribeRequest) => Response,
): Promise<TruncatingServer> {
  return startRawServer(httpVersion, (request, n) => {
    const { events, ending } = script(n, request);
    const frames: Frame[] = events.map((event) => ({ event }));
    if (!("cut" in ending)) return { frames, ending };
    if (ending.cut !== "partial") return { frames, ending: { cut: ending.cut } };
    frames.push(halfHeader);
    return { frames, ending: { cut: "end" } };
  });
}
