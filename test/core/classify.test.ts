/** SPEC M6: failures are classified by what happened on the wire, not by the code alone. */
import { Code, ConnectError } from "@connectrpc/connect";
import { classifyFailure, ProtocolError } from "react-submatview/core";
import { describe, expect, test } from "vitest";

describe("SPEC M6: classifyFailure", () => {
  test.each([
    // Statuses the server sent (EndStreamResponse, trailers, HTTP status): as SPEC M6 says.
    ["server InvalidArgument", "terminal", new ConnectError("unknown topic", Code.InvalidArgument)],
    ["server Unauthenticated", "terminal", new ConnectError("no token", Code.Unauthenticated)],
    ["server PermissionDenied", "terminal", new ConnectError("HTTP 403", Code.PermissionDenied)],
    ["server Unimplemented", "terminal", new ConnectError("HTTP 404", Code.Unimplemented)],
    ["server ACL not found", "terminal", new ConnectError("ACL not found", Code.Unknown)],
    ["server Aborted", "reset", new ConnectError("closed by server", Code.Aborted)],
    ["server Unavailable", "retry", new ConnectError("shutting down", Code.Unavailable)],
    ["a protocol fault", "fault", new ProtocolError("unexpected EndOfSnapshot")],
    ["not a ConnectError", "retry", new TypeError("fetch failed")],
  ])("%s → %s", (_name, kind, error) => {
    expect(classifyFailure(error)).toBe(kind);
  });

  // What connect-es 2.1 raises on the client for a cut or malformed stream (see classify.ts).
  test.each([
    ["protocol error: missing EndStreamResponse", Code.InvalidArgument],
    ["protocol error: received extra EndStreamResponse", Code.InvalidArgument],
    ["protocol error: received extra message after EndStreamResponse", Code.InvalidArgument],
    ["protocol error: incomplete envelope", Code.InvalidArgument],
    ["protocol error: promised 12 bytes, received 5", Code.InvalidArgument],
    ["protocol error: extra data for trailers-only", Code.InvalidArgument],
    ["protocol error: received extra trailer", Code.InvalidArgument],
    ["protocol error: received extra message after trailer", Code.InvalidArgument],
    ["protocol error: missing trailer", Code.Unimplemented],
    ["unexpected end flag", Code.InvalidArgument],
    ["failed to parse EndStreamResponse: bad json", Code.InvalidArgument],
    ["http/2 stream closed with error code INADEQUATE_SECURITY (0xc)", Code.PermissionDenied],
    ["http/2 stream closed with error code HTTP_1_1_REQUIRED (0xd)", Code.PermissionDenied],
  ])("client-raised %s (code %i) → retry", (message, code) => {
    expect(classifyFailure(new ConnectError(message, code))).toBe("retry");
  });

  test.each([
    ["Node's ECONNRESET/'aborted' mapped to Aborted", Code.Aborted, new Error("aborted")],
    ["a failed decompression", Code.InvalidArgument, new Error("incorrect header check")],
    ["a JSON parse error", Code.InvalidArgument, new SyntaxError("Unexpected token")],
  ])("a client-wrapped local error (%s) → retry", (_name, code, cause) => {
    expect(
      classifyFailure(new ConnectError(cause.message, code, undefined, undefined, cause)),
    ).toBe("retry");
  });
});
