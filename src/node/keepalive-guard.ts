/**
 * A guard for the relay process against connect-node's HTTP/2 keepalive race (connect-es
 * #1795, open in 2.1.2): its ping timer can fire on a session destroyed a moment before (a
 * GOAWAY, a transport error, an idle close), and Node's `ClientHttp2Session.ping()` then throws
 * `ERR_HTTP2_INVALID_SESSION` synchronously from that timer — an uncaught exception that ends
 * the whole relay. The session is already gone (its streams failed and resubscribe), so
 * exactly that error is logged and ignored; every other uncaught exception still ends the
 * process, printed as Node prints it.
 */

/** Whether `error` is connect-node's keepalive ping on a destroyed session. */
export function isKeepalivePingRace(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if ((error as { code?: unknown }).code !== "ERR_HTTP2_INVALID_SESSION") return false;
  return /\b(commonPing|onPingInterval)\b/.test(error.stack ?? "");
}

/**
 * Installs the guard on `process` (once per call; returns its removal). `warn` gets one line per
 * ignored race, never the error's details beyond its code.
 */
export function guardKeepalivePingRace(warn: (line: string) => void): () => void {
  const onUncaught = (error: Error) => {
    if (isKeepalivePingRace(error)) {
      warn("ignored an HTTP/2 keepalive ping on a closed upstream session (connect-es #1795)");
      return;
    }
    process.stderr.write(`${error.stack ?? String(error)}\n`);
    process.exit(1);
  };
  process.on("uncaughtException", onUncaught);
  return () => process.off("uncaughtException", onUncaught);
}
