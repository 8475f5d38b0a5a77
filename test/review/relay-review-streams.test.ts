import { Code, ConnectError, createClient } from "@connectrpc/connect";
import * as node from "@connectrpc/connect-node";
import { CatalogOp, StateChangeSubscription, Topic } from "react-submatview/gen";
import { describe, expect, test } from "vitest";
import { RawStream } from "../relay/support/raw-stream.js";
import { connectJsonClient, relayPerTest, statusOf, take } from "../support/relay-per-test.js";
import { healthRequest, StreamReader } from "../support/server.js";

const relays = relayPerTest();

describe("SPEC L1, L2: stalled readers on the direct path", () => {
  test("many streams on one HTTP/2 session: one stalled by flow control, the others keep flowing and the stalled one loses nothing", async () => {
    const { catalog, session, slow } = await relays.stalledWeb();
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
    let status: Promise<string | undefined> | undefined;
    const { world, catalog, slow } = await relays.stalledWeb({}, (raw) => {
      status = statusOf(raw);
    });
    const { publisher } = world.upstream;
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
    const { world, catalog, session, slow } = await relays.stalledWeb();
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
    const world = await relays.start();
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
    const json = connectJsonClient(world.server.url);
    const jsonReader = new StreamReader(json, healthRequest("web"));
    relays.closeAfter(jsonReader);
    const binary = world.open(healthRequest("web"), "grpc");
    for (const reader of [jsonReader, binary]) {
      expect((await reader.snapshot()).map((e) => e.Index)).toEqual([first, first]);
    }
    const second = catalog.setStatus("n1", "web-1", "critical");
    for (const reader of [jsonReader, binary]) expect((await reader.next()).Index).toBe(second);
    const resumed = new StreamReader(json, healthRequest("web", { Index: first }));
    relays.closeAfter(resumed);
    expect((await resumed.next()).Index).toBe(second);
  }, 15_000);
});

describe("SPEC L1: requests the direct path leaves to the Connect handler still work", () => {
  test("gRPC with gzip request compression and a deadline (grpc-timeout), Connect with connect-timeout-ms over HTTP/1.1", async () => {
    const world = await relays.start();
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
      relays.closeAfter(reader);
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
    const world = await relays.start();
    world.upstream.catalog.register({ node: "n1", service: "web", id: "web-1" });
    const streams = (["grpc", "grpc-web", "grpc-web-h2", "connect", "connect-h2"] as const).map(
      (protocol) => world.open(healthRequest("web"), protocol),
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
    let slowEnded: Promise<void> | undefined;
    const { world, catalog } = await relays.stalledWeb({}, (raw) => {
      slowEnded = new Promise<void>((resolve) => raw.stream.once("close", () => resolve()));
    });
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
