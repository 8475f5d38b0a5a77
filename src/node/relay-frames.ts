/**
 * The wire of the relay's direct Subscribe path (SPEC P2, L1): which requests it can answer
 * without connect-node (Connect streaming, gRPC and gRPC-web; binary or JSON; no compression,
 * no deadline), the 5-byte envelope the three protocols share, the request's decoding, and each
 * protocol's end of stream (gRPC trailers, the gRPC-web trailer frame, Connect's end-stream
 * message), written as connect-es writes them.
 */
import type * as http from "node:http";
import type * as http2 from "node:http2";
import { fromBinary, fromJsonString } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { endStreamFlag, endStreamToJson } from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import { type SubscribeRequest, SubscribeRequestSchema } from "../gen/index.js";

export const SUBSCRIBE_PATH = "/subscribe.StateChangeSubscription/Subscribe";

/** The largest request message read (a SubscribeRequest is a few hundred bytes). */
const MAX_REQUEST_BYTES = 64 * 1024;

export interface DirectProtocol {
  readonly kind: "grpc" | "grpc-web" | "connect";
  readonly json: boolean;
  /** The response's content type. */
  readonly contentType: string;
}

type Request = http.IncomingMessage | http2.Http2ServerRequest;

/**
 * The protocol of a Subscribe request the direct path can serve, or `undefined` to leave it to
 * connect-node: another method, gRPC-web text, compressed requests, deadlines, gRPC over
 * HTTP/1.1 (it needs trailers).
 */
export function directProtocol(req: Request): DirectProtocol | undefined {
  if (req.method !== "POST" || req.url !== SUBSCRIBE_PATH) return undefined;
  const headers = req.headers;
  const encoding = headers["grpc-encoding"] ?? headers["connect-content-encoding"];
  if (encoding !== undefined && encoding !== "identity") return undefined;
  if (headers["grpc-timeout"] !== undefined || headers["connect-timeout-ms"] !== undefined)
    return undefined;
  const type = /^application\/(grpc-web|grpc|connect)(?:\+(proto|json))?(?:;.*)?$/i.exec(
    headers["content-type"] ?? "",
  );
  if (!type) return undefined;
  const kind = type[1]!.toLowerCase() as DirectProtocol["kind"];
  const json = type[2]?.toLowerCase() === "json";
  if (kind === "connect" && type[2] === undefined) return undefined;
  if (kind === "grpc" && req.httpVersionMajor !== 2) return undefined;
  return { kind, json, contentType: `application/${kind}+${json ? "json" : "proto"}` };
}

/** `payload` in the 5-byte envelope (flags, big-endian length) the three protocols share. */
export function envelope(flags: number, payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(5 + payload.length);
  frame[0] = flags;
  frame.writeUInt32BE(payload.length, 1);
  frame.set(payload, 5);
  return frame;
}

/** Reads the request body (one enveloped message) and decodes it; rejects with `InvalidArgument`. */
export function readRequest(req: Request, json: boolean): Promise<SubscribeRequest> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Every listener goes once the body is read: a long-lived stream keeps none of them.
    const done = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    const fail = (message: string) => {
      done();
      reject(new ConnectError(message, Code.InvalidArgument));
    };
    const onError = () => fail("request aborted");
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > 5 + MAX_REQUEST_BYTES) fail("request message too large");
      else chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      if (body.length < 5) return fail("protocol error: missing request message");
      if (body[0] !== 0) return fail("protocol error: compressed or unexpected request flags");
      const length = body.readUInt32BE(1);
      if (body.length !== 5 + length) return fail("protocol error: expected one request message");
      const message = body.subarray(5);
      try {
        resolve(
          json
            ? // As connect-node's handler reads JSON: a field this build lacks is ignored.
              fromJsonString(SubscribeRequestSchema, message.toString("utf8"), {
                ignoreUnknownFields: true,
              })
            : fromBinary(SubscribeRequestSchema, message),
        );
      } catch (error) {
        fail(`cannot decode request: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", onError);
  });
}

/** How a stream ends: a last body frame (gRPC-web, Connect) and/or HTTP trailers (gRPC). */
export interface StreamEnd {
  readonly frame?: Buffer;
  readonly trailers?: Record<string, string>;
}

/** The end of a stream in `protocol`: success, or `error`'s code and message (L3). */
export function streamEnd(protocol: DirectProtocol, error: ConnectError | undefined): StreamEnd {
  if (protocol.kind === "connect") {
    const json = JSON.stringify(endStreamToJson(new Headers(), error, undefined));
    return { frame: envelope(endStreamFlag, Buffer.from(json, "utf8")) };
  }
  const status = setTrailerStatus(new Headers(), error);
  if (protocol.kind === "grpc-web")
    return { frame: envelope(trailerFlag, trailerSerialize(status)) };
  return { trailers: Object.fromEntries(status) };
}

/** What a handler threw, as the client sees it (connect-node's mapping: `Internal` otherwise). */
export function asConnectError(error: unknown): ConnectError {
  return ConnectError.from(error);
}
