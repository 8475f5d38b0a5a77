/**
 * Writing a streaming RPC's response headers before its first message, on node:http and
 * node:http2 (SPEC M4, P5 "Resume"): what `serve()` puts behind the server's `flushHeadersKey`.
 */
import type * as http from "node:http";
import type * as http2 from "node:http2";

type Response = http.ServerResponse | http2.Http2ServerResponse;

/**
 * A function that sends `res`'s status line and `header` now. connect-node commits headers with
 * the first body bytes and then calls `writeHead` itself; once ours went out, that call is a
 * no-op (it would throw "headers already sent"). Headers set after the flush are not sent, so
 * the handler flushes only when it has set all of them. Never throws: a response that is
 * already closed or committed is left alone.
 */
export function earlyHeaders(res: Response): (header: Headers) => void {
  return (header) => {
    if (res.headersSent || res.writableEnded || res.destroyed) return;
    try {
      for (const [key, value] of header) res.setHeader(key, value);
      res.writeHead(200);
      // node:http buffers the head until the first write; node:http2 sends it in writeHead.
      if ("flushHeaders" in res) res.flushHeaders();
      const sent = (() => res) as unknown as Response["writeHead"];
      (res as { writeHead: Response["writeHead"] }).writeHead = sent;
    } catch {
      // A response cut off under us: its stream ends anyway and the client retries.
    }
  };
}
