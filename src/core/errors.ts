/**
 * The stream broke the protocol (a framing event in the wrong place, an unknown payload) or
 * the view rejected an event (SPEC M5): the view is reset and the stream resubscribed at 0.
 */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
}

/** The server reset the stream (`Aborted`) twice in a row; the view is being rebuilt (M6). */
export class StreamResetError extends Error {
  override readonly name = "StreamResetError";
}

/** The server ended a stream without an error; the materializer resumes from its index. */
export class StreamEndedError extends Error {
  override readonly name = "StreamEndedError";
  constructor() {
    super("subscribe stream ended without an error; resuming");
  }
}

/**
 * A stream got neither headers, an event nor an error within the handshake deadline, from a
 * server known to send its headers at once (SPEC M2, M6): it was aborted and is retried, keeping
 * the view.
 */
export class HandshakeTimeoutError extends Error {
  override readonly name = "HandshakeTimeoutError";
}

/** The materializer or registry was closed while a call waited on it. */
export class MaterializerClosedError extends Error {
  override readonly name = "MaterializerClosedError";
}

/**
 * A browser page holds more streams to one `http:` origin than HTTP/1.1 lets it open (SPEC
 * H6): browsers open at most 6 connections per origin and each live stream holds one, so this
 * view's stream waits, queued by the browser, until another stream ends. Not terminal: the
 * view goes live (and the error clears) as soon as a connection frees up.
 */
export class ConnectionLimitError extends Error {
  override readonly name = "ConnectionLimitError";
}

/** A DOMException-compatible AbortError (what `fetch` rejects with when its signal aborts). */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  const error = new Error("the operation was aborted", { cause: reason });
  error.name = "AbortError";
  return error;
}
