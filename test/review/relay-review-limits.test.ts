/**
 * Review of the relay's direct Subscribe path (09bb29f): its limits and releases over real
 * sockets on 127.0.0.1 (SPEC L1, S8). A stream refused by `maxStreamsPerClient` or
 * `maxStreamsPerKey` holds nothing; a stream reset (HTTP/2 RST_STREAM) or whose HTTP/1.1
 * connection dies mid-snapshot frees its slot, so the next stream is admitted; the upstream
 * stream closes exactly `idleTtlMs` after the last direct stream left.
 */
import * as http from "node:http";
import type * as http2 from "node:http2";
import { Code } from "@connectrpc/connect";
import { describe, expect, test } from "vitest";
import { RawStream } from "../relay/support/raw-stream.js";
import { ManualTimers } from "../support/manual-timers.js";
import { relayPerTest, statusOf } from "../support/relay-per-test.js";
import { healthRequest } from "../support/server.js";
import { requestBody, SUBSCRIBE } from "./support/relay-raw.js";

const relays = relayPerTest();

/**
 * A PING round trip: the server has handled every frame sent before it (a reset stream's
 * 'close' runs on the server's next tick, so a HEADERS frame in the same read as the
 * RST_STREAM can still find the reset stream's slot taken — see the report).
 */
function settled(session: http2.ClientHttp2Session): Promise<void> {
  return new Promise((resolve, reject) =>
    session.ping((error) => (error ? reject(error) : resolve())),
  );
}

describe("SPEC L1, S8: limits on the direct path", () => {
  test("maxStreamsPerClient: the refused stream holds no slot; a reset stream frees its own", async () => {
    const world = await relays.start({ maxStreamsPerClient: 2 });
    world.upstream.catalog.register({ node: "n1", service: "web", id: "web-1" });
    const session = relays.connect(world.server.url);
    const a = new RawStream(session, healthRequest("web"));
    const b = new RawStream(session, healthRequest("api"));
    await Promise.all([a.waitFor(2), b.waitFor(1)]);
    const refused = new RawStream(session, healthRequest("db"));
    expect(await statusOf(refused)).toBe(String(Code.ResourceExhausted));
    expect(world.relay.stats()).toMatchObject({ downstreamStreams: 2, clients: 1 });
    a.cancel();
    await settled(session);
    const c = new RawStream(session, healthRequest("db"));
    await c.waitFor(1);
    expect(world.relay.stats()).toMatchObject({ downstreamStreams: 2, clients: 1 });
  }, 15_000);

  test("maxStreamsPerKey: the refused stream holds no slot; a reset stream frees its own", async () => {
    const world = await relays.start({ maxStreamsPerKey: 1 });
    world.upstream.catalog.register({ node: "n1", service: "web", id: "web-1" });
    const session = relays.connect(world.server.url);
    const a = new RawStream(session, healthRequest("web"));
    await a.waitFor(2);
    const refused = new RawStream(session, healthRequest("web"));
    expect(await statusOf(refused)).toBe(String(Code.ResourceExhausted));
    a.cancel();
    await settled(session);
    const b = new RawStream(session, healthRequest("web"));
    await b.waitFor(2);
    expect(world.relay.stats()).toMatchObject({ upstreamStreams: 1, downstreamStreams: 1 });
  }, 15_000);

  test("an HTTP/1.1 connection that dies mid-snapshot frees its stream; the next gets the whole snapshot", async () => {
    const world = await relays.start({ maxStreamsPerClient: 1 });
    const { catalog } = world.upstream;
    const instances = 3000; // a ~700 KB snapshot: several writes, past the socket buffers
    catalog.transaction((tx) => {
      for (let i = 0; i < instances; i++) {
        tx.register({ node: `n${i % 50}`, service: "web", id: `web-${i}` });
      }
    });
    const request = http.request(`${world.server.url}${SUBSCRIBE}`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto" },
      agent: false,
    });
    request.on("error", () => {});
    const response = await new Promise<http.IncomingMessage>((resolve) => {
      request.on("response", resolve);
      request.end(requestBody(healthRequest("web")));
    });
    await new Promise((resolve) => response.once("data", resolve));
    const closed = new Promise((resolve) => request.socket?.once("close", resolve));
    request.destroy();
    await closed;
    // The only slot of this client (127.0.0.1) is free again once the relay saw the close.
    const next = new RawStream(relays.connect(world.server.url), healthRequest("web"));
    const snapshot = await next.waitFor(instances + 1);
    expect(snapshot.at(-1)?.Payload.case).toBe("EndOfSnapshot");
    expect(world.relay.stats()).toMatchObject({ downstreamStreams: 1, clients: 1 });
  }, 30_000);

  test("idle TTL: the upstream stream outlives the last direct stream (reset) by exactly idleTtlMs; a stream within it reuses it", async () => {
    const timers = new ManualTimers();
    const world = await relays.start({ timers, idleTtlMs: 30_000 });
    const { catalog, publisher } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    const session = relays.connect(world.server.url);
    const first = new RawStream(session, healthRequest("web"));
    await first.waitFor(2);
    let expiring = timers.scheduled();
    first.cancel();
    await expiring; // the relay saw the reset: the idle timer is set
    timers.advance(29_999);
    const second = new RawStream(session, healthRequest("web"));
    await second.waitFor(2);
    expect(publisher.stats().subscribers).toBe(1); // the same upstream stream
    expiring = timers.scheduled();
    second.cancel();
    await expiring;
    timers.advance(29_999);
    expect(world.relay.stats().upstreamStreams).toBe(1);
    timers.advance(1);
    await publisher.idle();
    expect(world.relay.stats()).toMatchObject({ upstreamStreams: 0, downstreamStreams: 0 });
  }, 15_000);
});
