import { Code, ConnectError } from "@connectrpc/connect";
import { ProtocolError } from "./errors.js";

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

export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof ProtocolError) return "fault";
  if (!(error instanceof ConnectError)) return "retry";
  if (error.code === Code.Aborted) return "reset";
  if (terminalCodes.has(error.code)) return "terminal";
  if (error.code === Code.Unknown && error.rawMessage.includes("ACL not found")) return "terminal";
  return "retry";
}
