// serve()'s h2c connections: after the preface sniff, HTTP/2 reads the TCP socket itself (its
// native handle), not through a JS stream wrapper that costs every frame a trip through
// JavaScript (issue 11: relay fan-out capacity; SPEC S "usable in Node over real HTTP/2").

import { once } from "node:events";
import * as http2 from "node:http2";
import { EventPublisher } from "react-submatview/server";
import { type RunningServer, serve } from "react-submatview/server/node";
import { afterEach, expect, test } from "vitest";
import { trickleConnection } from "./trickle.js";

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Serves the class name of the socket under each HTTP/2 session. */
async function start(): Promise<RunningServer> {
  return serve({
    publisher: new EventPublisher(),
    fallback: (req, res) => {
      const session = (req as http2.Http2ServerRequest).stream?.session;
      // The session socket is a proxy that binds functions: "bound Socket".
      res.end(session ? session.socket.constructor.name.replace(/^bound /, "") : "h1");
    },
  });
}

async function socketClass(url: string, options: http2.SecureClientSessionOptions = {}) {
  const session = http2.connect(url, options);
  session.on("error", () => {});
  try {
    const stream = session.request({ ":path": "/", ":method": "GET" });
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    await once(stream, "end");
    return Buffer.concat(chunks).toString();
  } finally {
    session.close();
  }
}

test("an h2c session reads the TCP socket itself, not a JSStreamSocket replaying the preface", async () => {
  server = await start();
  expect(await socketClass(server.url)).toBe("Socket");
});

test("so does one whose preface arrived one byte per segment (the sniffed bytes are replayed)", async () => {
  server = await start();
  const port = server.port;
  expect(
    await socketClass(server.url, { createConnection: () => trickleConnection(port, 24) }),
  ).toBe("Socket");
});
