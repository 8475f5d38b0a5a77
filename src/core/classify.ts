import { Code, ConnectError } from "@connectrpc/connect";
import { ProtocolError, StreamResetError } from "./errors.js";

/**
 * How the materializer reacts to a stream failure (SPEC M5, M6):
 * - `fault`: a protocol fault; reset the view and resubscribe at 0, surfacing the error;
 * - `reset`: `Aborted`; reset and resubscribe at 0, silently on the first consecutive failure;
 * - `terminal`: stop (no retry storm, Consul issue #22515);
 * - `retry`: keep the view, wake waiters with the error, back off, resume from the index.
 */
export type FailureKind = "fault" | "reset" | "terminal" | "retry";

const terminalCodes = new Set([
  Code.Unauthenticated,
  Code.PermissionDenied,
  Code.InvalidArgument,
  Code.Unimplemented,
]);

/**
 * Messages connect-es (2.1) raises on the client, with no status from the server, when a stream
 * is cut off or malformed. Several carry `InvalidArgument` or `PermissionDenied`, so the code
 * alone would take a dropped connection for a terminal server verdict:
 * - `protocol error: …`: Connect's "missing EndStreamResponse", "received extra
 *   EndStreamResponse", "received extra message after EndStreamResponse"
 *   (protocol-connect/transport.js); "incomplete envelope", "promised N bytes, received M"
 *   (protocol/envelope.js, protocol/async-iterable.js); gRPC-web's "missing trailer", "extra
 *   data for trailers-only", "received extra trailer", "received extra message after trailer"
 *   (protocol-grpc-web/transport.js); gRPC's "missing status" (protocol-grpc/validate-trailer.js);
 * - `unexpected end flag` (protocol/async-iterable.js), `invalid end stream` and
 *   `failed to parse EndStreamResponse` (protocol-connect/end-stream.js): an unreadable end;
 * - `http/2 stream closed with error code …` (connect-node node-error.js): an RST_STREAM, mapped
 *   to a code by the client (INADEQUATE_SECURITY, HTTP_1_1_REQUIRED → PermissionDenied).
 */
const clientRaisedPrefixes = [
  "protocol error",
  "unexpected end flag",
  "invalid end stream",
  "failed to parse EndStreamResponse",
  "http/2 stream closed with error code",
];

/**
 * Whether the client raised `error` itself (the stream broke) rather than decoding a status the
 * server sent. A status from the wire (Connect's EndStreamResponse or error body, gRPC trailers,
 * an HTTP status) never has a `cause`; an error the client wrapped (a reset socket, Node's
 * "aborted"/ECONNRESET mapped to `Aborted`, fetch's "terminated", a failed decompression or
 * parse) always has one; the rest are recognised by connect-es's own messages.
 */
export function isClientRaised(error: ConnectError): boolean {
  if (error.cause !== undefined) return true;
  const message = error.rawMessage;
  return clientRaisedPrefixes.some((prefix) => message.startsWith(prefix));
}

/**
 * Classifies by what happened on the wire (SPEC M6): only a status the server actually sent is
 * terminal (or, for `Aborted`, a reset); a stream the network cut off is a retry that keeps the
 * view, whatever code the client gave it.
 */
export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof ProtocolError) return "fault";
  if (!(error instanceof ConnectError) || isClientRaised(error)) return "retry";
  if (error.code === Code.Aborted) return "reset";
  if (terminalCodes.has(error.code)) return "terminal";
  if (error.code === Code.Unknown && error.rawMessage.includes("ACL not found")) return "terminal";
  return "retry";
}

/** What the materializer does about one failure (SPEC M5, M6). */
export interface FailureReaction {
  readonly kind: FailureKind;
  /** Throw the view away and resubscribe at index 0. */
  readonly resetView: boolean;
  /** Stop `run` (a terminal error). */
  readonly stop: boolean;
  /** The error to publish to waiters and listeners; `undefined`: a silent retry. */
  readonly surface: Error | undefined;
}

/**
 * The reaction to `failure`; `consecutive` says whether a failure already happened since the
 * last successful update. The first `Aborted` after a success is silent (most resets heal at
 * once); a second one in a row surfaces a {@link StreamResetError}.
 */
export function reactionTo(failure: unknown, consecutive: boolean): FailureReaction {
  const error = failure instanceof Error ? failure : new Error(String(failure));
  const kind = classifyFailure(failure);
  const resetView = kind === "reset" || kind === "fault";
  let surface: Error | undefined = error;
  if (kind === "reset") {
    surface = consecutive
      ? new StreamResetError("the server reset the stream again; rebuilding the view", {
          cause: error,
        })
      : undefined;
  }
  return { kind, resetView, stop: kind === "terminal", surface };
}
