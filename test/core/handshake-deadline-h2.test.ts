/**
 * SPEC M2, M6, M7 over real HTTP/2 on 127.0.0.1 (connect-node, h2c): the fault soak's orphaned
 * stream. A raw node:http2 server accepts the first stream with the submatview-subscribed marker
 * and a snapshot, then closes the client's resume with RST_STREAM NO_ERROR before any response —
 * connect-node 2.1 takes that for no error and waits forever (connect-es #1678). The handshake
 * deadline (manual timers) must abort it; the next resume is accepted and the view goes live.
 */
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  HANDSHAKE_TIMEOUT_MS,
  HandshakeTimeoutError,
  SUBSCRIBED_HEADER,
} from "react-submatview/core";
import { EventSchema } from "react-submatview/gen";
import { afterEach, expect, test } from "vitest";
import { ev } from "../support/pushable-client.js";
import { envelope } from "../support/raw-server.js";
import { createTestTransport } from "../support/server.js";
import { materialize, within } from "../support/web-materializer.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const accepted = {
  ":status": 200,
  "content-type": "application/connect+proto",
  [SUBSCRIBED_HEADER]: "1",
};

/** Stream 0: snapshot at 5, clean end; stream 1: RST_STREAM NO_ERROR, no response; then held. */
async function orphaningServer() {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => sessions.add(session));
  let count = 0;
  let orphaned: () => void = () => {};
  const orphanClosed = new Promise<void>((resolve) => (orphaned = resolve));
  server.on("stream", (stream) => {
    stream.on("error", () => {});
    const n = count++;
    if (n === 1) {
      stream.once("close", () => orphaned());
      stream.close(http2.constants.NGHTTP2_NO_ERROR);
      return;
    }
    stream.respond(accepted);
    if (n >= 2) return; // accepted and quiet: held until the client goes
    for (const init of [ev.register(5n, "n1", "web-1"), ev.end(5n)]) {
      stream.write(envelope(0, toBinary(EventSchema, create(EventSchema, init))));
    }
    stream.end(envelope(2, new TextEncoder().encode("{}")));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    orphanClosed,
    count: () => count,
    close: () => {
      for (const session of sessions) session.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test("SPEC M2/M6: an HTTP/2 resume closed with NO_ERROR before its response is aborted by the deadline and resubscribed", {
  timeout: 15_000,
}, async () => {
  const server = await orphaningServer();
  cleanups.push(server.close);
  const m = materialize(createTestTransport(server.url, "connect-h2"));
  cleanups.push(m.stop);
  await m.until((s) => s.status === "live" && s.index === 5n);
  // The clean end was retried at once (M7 k = 1) and the resume orphaned by the server.
  await within(server.orphanClosed, 5_000, () => "the resume never reached the server");
  expect(m.requests.map((r) => r.Index)).toEqual([0n, 5n]);
  expect(m.materializer.streamOpen).toBe(true);

  const backoff = m.waiterTimers.scheduled();
  m.timers.advance(HANDSHAKE_TIMEOUT_MS);
  await within(backoff, 5_000, () => "the orphaned stream was not aborted by the deadline");
  const state = m.materializer.getSnapshot();
  expect(state.error).toBeInstanceOf(HandshakeTimeoutError);
  expect(state).toMatchObject({ status: "reconnecting", index: 5n, resets: 0 });

  m.waiterTimers.advance(200); // M7: the second failure in a row waits 200 ms (no jitter)
  const back = await m.until((s) => s.status === "live" && s.error === undefined);
  expect(back).toMatchObject({ index: 5n, resets: 0 });
  expect(m.requests.map((r) => r.Index)).toEqual([0n, 5n, 5n]);
  expect(server.count()).toBe(3);
});
