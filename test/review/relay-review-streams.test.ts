/**
 * Review of the relay's direct Subscribe path (09bb29f) under hostile readers, over real
 * sockets on 127.0.0.1 with the package's own server upstream (SPEC L1–L3, P4, P5, S8): many
 * streams on one HTTP/2 session with one stalled, a stalled reader whose key the upstream
 * resets, a reset mid-backlog, indexes above 2^53 in both codecs, requests that fall back to
 * the Connect handler (deadlines, compression) and the relay closing with direct streams open.
 */
import * as http2 from "node:http2";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import * as node from "@connectrpc/connect-node";
import { CatalogOp, type Event, StateChangeSubscription, Topic } from "react-submatview/gen";
import { afterEach, describe, expect, test } from "vitest";
import { RawStream } from "../relay/support/raw-stream.js";
import { type RelayWorld, startRelayWorld } from "../relay/support/relay-world.js";
import { healthRequest, StreamReader } from "../support/server.js";

let world: RelayWorld | undefined;
const sessions: http2.ClientHttp2Session[] = [];
const readers: StreamReader[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) session.destroy();
  for (const reader of readers.splice(0)) reader.close();
  await world?.close();
  world = undefined;
});

function connect(url: string): http2.ClientHttp2Session {
  const session = http2.connect(url);
  session.on("error", () => {});
  sessions.push(session);
  return session;
}

async function take(reader: StreamReader, count: number): Promise<Event[]> {
  const events: Event[] = [];
  while (events.length < count) events.push(await reader.next());
  return events;
}

/** The gRPC status a raw stream ended with (trailers, or trailers-only headers). */
function statusOf(raw: RawStream): Promise<string | undefined> {
  return new Promise((resolve) => {
    let status: string | undefined;
    raw.stream.on("response", (h) => {
      if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
    });
    raw.stream.on("trailers", (t) => {
      status = String(t["grpc-status"]);
    });
    raw.stream.once("close", () => resolve(status));
  });
}

describe("SPEC L1, L2: stalled readers on the direct path", () => {
  test("many streams on one HTTP/2 session: one stalled by flow control, the others keep flowing and the stalled one loses nothing", async () => {
    world = await startRelayWorld();
    const { catalog } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    const session = connect(world.server.url);
    const slow = new RawStream(session, healthRequest("web"));
    await slow.waitFor(2);
    slow.stream.pause();
    const others = [1, 2, 3].map(() => new RawStream(session, healthRequest("web")));
    await Promise.all(others.map((raw) => raw.waitFor(2)));
    const indexes: bigint[] = [];
    for (let i = 0; i < 3000; i++) {
      indexes.push(catalog.setStatus("n1", "web-1", i % 2 ? "warning" : "passing"));
    }
    for (const raw of others) {
      const all = await raw.waitFor(2 + indexes.length);
      expect(all.slice(2).map((e) => e.Index)).toEqual(indexes);
    }
    expect(slow.events.length).toBeLessThan(2 + indexes.length); // it was held back
    slow.stream.resume();
    const all = await slow.waitFor(2 + indexes.length);
    expect(all.slice(2).map((e) => e.Index)).toEqual(indexes);
  }, 30_000);

  test("a stalled reader whose key the upstream resets (drain after the reset): what it gets is a prefix of the events, then Aborted; no gap, no duplicate (L2, P5)", async () => {
    world = await startRelayWorld();
    const { catalog, publisher } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    const slow = new RawStream(connect(world.server.url), healthRequest("web"));
    const status = statusOf(slow);
    await slow.waitFor(2);
    slow.stream.pause();
    const fast = world.open(healthRequest("web"));
    await fast.snapshot();
    const indexes: bigint[] = [];
    for (let i = 0; i < 3000; i++) {
      indexes.push(catalog.setStatus("n1", "web-1", i % 2 ? "warning" : "passing"));
    }
    await take(fast, indexes.length);
    expect(slow.events.length).toBeLessThan(2 + indexes.length);
    publisher.refreshTopic(Topic.ServiceHealth); // the relay's upstream ends Aborted
    await expect(fast.next()).rejects.toMatchObject({ code: Code.Aborted });
    slow.stream.resume();
    expect(await status).toBe(String(Code.Aborted));
    const got = slow.events.slice(2).map((e) => e.Index);
    expect(got).toEqual(indexes.slice(0, got.length));
    // Resubscribing at 0 after the reset gets the whole state again.
    const again = world.open(healthRequest("web"));
    expect((await again.snapshot()).at(-1)?.Index).toBe(indexes.at(-1));
  }, 30_000);

  test("a reader that resets its stream mid-backlog is released; the others and the next stream go on (S8)", async () => {
    world = await startRelayWorld();
    const { catalog } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    const session = connect(world.server.url);
    const slow = new RawStream(session, healthRequest("web"));
    await slow.waitFor(2);
    slow.stream.pause();
    const fast = world.open(healthRequest("web"));
    await fast.snapshot();
    for (let i = 0; i < 3000; i++) catalog.setStatus("n1", "web-1", i % 2 ? "warning" : "passing");
    await take(fast, 3000);
    slow.cancel();
    // HTTP/2 frames are ordered: the relay handled the reset before this stream's headers.
    const next = new RawStream(session, healthRequest("web"));
    await next.waitFor(2);
    expect(world.relay.stats()).toMatchObject({ upstreamStreams: 1, downstreamStreams: 2 });
    const index = catalog.setStatus("n1", "web-1", "critical");
    expect((await fast.next()).Index).toBe(index);
    expect((await next.waitFor(3))[2]?.Index).toBe(index);
  }, 30_000);
});

describe("SPEC P4, L2: upstream indexes above 2^53 pass through exactly", () => {
  test("binary and JSON streams get the upstream's index; a resume at it gets only what followed", async () => {
    world = await startRelayWorld();
    const { catalog, publisher } = world.upstream;
    const big = 2n ** 63n + 12345n; // far above 2^53: a double would round it
    publisher.registerTopic(Topic.MeshConfig, () => 0n);
    publisher.publish([
      {
        topic: Topic.MeshConfig,
        subject: "x",
        index: big,
        payload: { case: "ServiceHealth", value: { Op: CatalogOp.Register } },
      },
    ]);
    const first = catalog.register({ node: "n1", service: "web", id: "web-1" });
    expect(first).toBe(big + 1n);
    const json = createClient(
      StateChangeSubscription,
      node.createConnectTransport({
        baseUrl: world.server.url,
        httpVersion: "2",
        useBinaryFormat: false,
      }),
    );
    const jsonReader = new StreamReader(json, healthRequest("web"));
    readers.push(jsonReader);
    const binary = world.open(healthRequest("web"), "grpc");
    for (const reader of [jsonReader, binary]) {
      expect((await reader.snapshot()).map((e) => e.Index)).toEqual([first, first]);
    }
    const second = catalog.setStatus("n1", "web-1", "critical");
    for (const reader of [jsonReader, binary]) expect((await reader.next()).Index).toBe(second);
    const resumed = new StreamReader(json, healthRequest("web", { Index: first }));
    readers.push(resumed);
    expect((await resumed.next()).Index).toBe(second);
  }, 15_000);
});

describe("SPEC L1: requests the direct path leaves to the Connect handler still work", () => {
  test("gRPC with gzip request compression and a deadline (grpc-timeout), Connect with connect-timeout-ms over HTTP/1.1", async () => {
    world = await startRelayWorld();
    const { catalog } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    const clients = [
      node.createGrpcTransport({
        baseUrl: world.server.url,
        sendCompression: node.compressionGzip,
        defaultTimeoutMs: 60_000,
      }),
      node.createConnectTransport({
        baseUrl: world.server.url,
        httpVersion: "1.1",
        sendCompression: node.compressionGzip,
        defaultTimeoutMs: 60_000,
      }),
      node.createGrpcWebTransport({
        baseUrl: world.server.url,
        httpVersion: "2",
        defaultTimeoutMs: 60_000,
      }),
    ].map((transport) => {
      const reader = new StreamReader(
        createClient(StateChangeSubscription, transport),
        healthRequest("web"),
      );
      readers.push(reader);
      return reader;
    });
    for (const reader of clients) expect((await reader.snapshot()).length).toBe(2);
    const index = catalog.setStatus("n1", "web-1", "critical");
    for (const reader of clients) expect((await reader.next()).Index).toBe(index);
    expect(world.relay.stats()).toMatchObject({ upstreamStreams: 1, downstreamStreams: 3 });
  }, 15_000);
});

describe("SPEC S7, L1: the relay closing with direct streams open", () => {
  test("server.close() ends direct streams of every protocol with Unavailable, without waiting for the grace period", async () => {
    world = await startRelayWorld();
    world.upstream.catalog.register({ node: "n1", service: "web", id: "web-1" });
    const streams = (["grpc", "grpc-web", "grpc-web-h2", "connect", "connect-h2"] as const).map(
      (protocol) => world!.open(healthRequest("web"), protocol),
    );
    await Promise.all(streams.map((reader) => reader.snapshot()));
    const started = performance.now();
    const closing = world.server.close(); // closeGraceMs: 2000
    for (const reader of streams) {
      const error = await reader.next().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.Unavailable);
    }
    await closing;
    expect(performance.now() - started).toBeLessThan(1500);
    expect(world.relay.stats()).toMatchObject({ upstreamStreams: 0, downstreamStreams: 0 });
  }, 15_000);

  test("server.close() with a stalled direct stream resolves within the grace period; the stalled stream ends, the others get Unavailable", async () => {
    world = await startRelayWorld();
    const { catalog } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    const slow = new RawStream(connect(world.server.url), healthRequest("web"));
    const slowEnded = new Promise<void>((resolve) => slow.stream.once("close", () => resolve()));
    await slow.waitFor(2);
    slow.stream.pause();
    const fast = world.open(healthRequest("web"), "grpc");
    await fast.snapshot();
    for (let i = 0; i < 3000; i++) catalog.setStatus("n1", "web-1", i % 2 ? "warning" : "passing");
    await take(fast, 3000);
    const started = performance.now();
    const closing = world.server.close(); // closeGraceMs: 2000, then the connections are cut
    await expect(fast.next()).rejects.toMatchObject({ code: Code.Unavailable });
    await closing;
    await slowEnded;
    expect(performance.now() - started).toBeLessThan(3500);
    expect(world.relay.stats()).toMatchObject({ upstreamStreams: 0, downstreamStreams: 0 });
  }, 15_000);
});
