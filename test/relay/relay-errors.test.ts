/**
 * The relay's upstream errors, tokens, idle TTL and limits over real sockets on 127.0.0.1
 * (SPEC L1, L3): Aborted → Aborted, a terminal ACL error only to that token's streams, one
 * token's events never on another's stream, upstream streams closed after the idle TTL, and
 * `ResourceExhausted` past the per-key and per-client limits; a Consul server dying under the
 * relay (failover to the next address, browser streams kept).
 */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { type Event, StateChangeSubscription, Topic } from "react-submatview/gen";
import { EventPublisher, HealthCatalog } from "react-submatview/server";
import { createConsulTransport, Relay, serve } from "react-submatview/server/node";
import { afterEach, describe, expect, test } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { healthRequest, StreamReader, describe as show } from "../support/server.js";
import { startConsulRpcServer } from "./support/consul-rpc-server.js";
import { type RelayWorld, startRelayWorld } from "./support/relay-world.js";

let world: RelayWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The error that ends `reader` (a stream that yields an event instead fails the test). */
async function failure(reader: StreamReader): Promise<ConnectError> {
  try {
    const event = await reader.next();
    throw new Error(`expected the stream to fail, got ${show(event)}`);
  } catch (error) {
    if (error instanceof ConnectError) return error;
    throw error;
  }
}

/** Tokens "alice" (only node n1) and "bob" (everything) while they are in `valid`. */
function aclWorld(valid: Set<string>, options: Parameters<typeof startRelayWorld>[0] = {}) {
  return startRelayWorld(options, {
    authorizer: (token) => {
      if (!valid.has(token)) return null;
      if (token === "bob") return () => true;
      return (event: Event) =>
        event.Payload.case !== "ServiceHealth" ||
        event.Payload.value.CheckServiceNode?.Node?.Node === "n1";
    },
  });
}

describe("SPEC L3: upstream errors per downstream stream", () => {
  test("upstream Aborted ends every stream of the key with Aborted; resubscribing at 0 works", async () => {
    world = await startRelayWorld();
    const { catalog, publisher } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    const readers = [
      world.open(healthRequest("web")),
      world.open(healthRequest("web", {}), "connect"),
    ];
    await Promise.all(readers.map((r) => r.snapshot()));
    publisher.refreshTopic(Topic.ServiceHealth);
    for (const reader of readers) {
      const error = await failure(reader);
      expect(error.code).toBe(Code.Aborted);
    }
    const again = world.open(healthRequest("web"));
    expect((await again.snapshot()).map(show).at(-2)).toMatch(/reg:web-1$/);
  }, 15_000);

  test("a terminal ACL error reaches only that token's streams; other tokens go on", async () => {
    const valid = new Set(["alice", "bob"]);
    world = await aclWorld(valid);
    const { catalog, server } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    const alice = world.open(healthRequest("web", { Token: "alice" }));
    const bob = world.open(healthRequest("web", { Token: "bob" }));
    await Promise.all([alice.snapshot(), bob.snapshot()]);
    // Bob's token is deleted while the relay's upstream connection is down: its resume fails.
    valid.delete("bob");
    server.dropConnections();
    const error = await failure(bob);
    expect(error.code).toBe(Code.Unknown);
    expect(error.rawMessage).toBe("ACL not found");
    const index = catalog.register({ node: "n1", service: "web", id: "web-2" });
    expect(show(await alice.next())).toBe(`${index}:reg:web-2`);
    // A new stream of Bob's fails at once too (the browser stops: terminal, SPEC M6).
    expect((await failure(world.open(healthRequest("web", { Token: "bob" })))).rawMessage).toBe(
      "ACL not found",
    );
  }, 15_000);

  test("one token's events never reach another token's stream", async () => {
    world = await aclWorld(new Set(["alice", "bob"]));
    const { catalog } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    catalog.register({ node: "n2", service: "web", id: "web-2" });
    const streams = (token: string) => ({
      relayed: world!.open(healthRequest("web", { Token: token })),
      direct: world!.direct(healthRequest("web", { Token: token })),
    });
    const alice = streams("alice");
    const bob = streams("bob");
    for (const { relayed, direct } of [alice, bob]) {
      const [r, d] = [await relayed.snapshot(), await direct.snapshot()];
      expect(r.map(show).sort()).toEqual(d.map(show).sort());
    }
    expect(world.upstream.publisher.stats().subscribers).toBe(4); // 2 relayed keys + 2 direct
    catalog.register({ node: "n2", service: "web", id: "web-3" }); // bob only
    const both = catalog.register({ node: "n1", service: "web", id: "web-4" });
    expect(show(await alice.relayed.next())).toBe(`${both}:reg:web-4`);
    expect(show(await alice.direct.next())).toBe(`${both}:reg:web-4`);
    expect((await bob.relayed.next()).Index).toBe(both - 1n);
    expect((await bob.relayed.next()).Index).toBe(both);
  }, 15_000);

  test("an unknown token fails with the upstream's terminal error, no retry storm upstream", async () => {
    world = await aclWorld(new Set(["alice"]));
    const error = await failure(world.open(healthRequest("web", { Token: "mallory" })));
    expect(error.code).toBe(Code.Unknown);
    expect(error.rawMessage).toBe("ACL not found");
    expect(world.relay.stats().upstreamStreams).toBe(0);
  }, 15_000);
});

describe("SPEC L1: idle TTL and limits", () => {
  test("the upstream stream closes after the idle TTL, and a stream within it reuses it", async () => {
    const timers = new ManualTimers();
    world = await startRelayWorld({ timers, idleTtlMs: 30_000 });
    const { catalog, publisher } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    const first = world.open(healthRequest("web"));
    const index = (await first.snapshot()).at(-1)!.Index;
    const expiring = timers.scheduled();
    first.close();
    await expiring;
    timers.advance(29_999);
    // Within the TTL: served from the relay (a resume from its buffer), no new upstream stream.
    const second = world.open(healthRequest("web", { Index: index }));
    const next = catalog.register({ node: "n1", service: "web", id: "web-2" });
    expect(show(await second.next())).toBe(`${next}:reg:web-2`);
    expect(publisher.stats().subscribers).toBe(1);
    const expiringAgain = timers.scheduled();
    second.close();
    await expiringAgain;
    timers.advance(30_000);
    await publisher.idle();
    expect(world.relay.stats()).toMatchObject({ upstreamStreams: 0, downstreamStreams: 0 });
  }, 15_000);

  test("past maxStreamsPerKey a stream fails with ResourceExhausted and a clear message", async () => {
    world = await startRelayWorld({ maxStreamsPerKey: 2 });
    world.upstream.catalog.register({ node: "n1", service: "web", id: "web-1" });
    await world.open(healthRequest("web")).snapshot();
    await world.open(healthRequest("web")).snapshot();
    const error = await failure(world.open(healthRequest("web")));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.rawMessage).toMatch(/too many streams for one subscription \(limit 2\)/);
    // Another key is fine.
    await world.open(healthRequest("api")).snapshot();
  }, 15_000);

  test("past maxStreamsPerClient a stream fails with ResourceExhausted, whatever its key", async () => {
    world = await startRelayWorld({ maxStreamsPerClient: 2 });
    world.upstream.catalog.register({ node: "n1", service: "web", id: "web-1" });
    // HTTP/1.1 from 127.0.0.1: the client is its address.
    await world.open(healthRequest("web"), "connect").snapshot();
    await world.open(healthRequest("api"), "connect").snapshot();
    const error = await failure(world.open(healthRequest("db"), "connect"));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.rawMessage).toMatch(/too many streams from this client \(limit 2\)/);
  }, 15_000);

  test("past maxStreamsPerClient an h2c (gRPC) client is refused too: its address is known", async () => {
    // Through serve()'s old JSStreamSocket an h2c stream had no remote address, so the limit
    // never applied to Node gRPC clients (issue 11).
    world = await startRelayWorld({ maxStreamsPerClient: 2 });
    world.upstream.catalog.register({ node: "n1", service: "web", id: "web-1" });
    await world.open(healthRequest("web"), "grpc").snapshot();
    await world.open(healthRequest("api"), "grpc").snapshot();
    const error = await failure(world.open(healthRequest("db"), "grpc"));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.rawMessage).toMatch(/too many streams from this client \(limit 2\)/);
  }, 15_000);

  test("close() ends relayed streams with Unavailable 'server is shutting down'", async () => {
    world = await startRelayWorld();
    world.upstream.catalog.register({ node: "n1", service: "web", id: "web-1" });
    const reader = world.open(healthRequest("web"), "connect");
    await reader.snapshot();
    const closing = world.server.close();
    const error = await failure(reader);
    await closing;
    expect(error.code).toBe(Code.Unavailable);
    expect(error.rawMessage).toMatch(/shutting down/);
    expect(world.relay.stats().upstreamStreams).toBe(0);
  }, 15_000);
});

describe("SPEC L2, L4: a Consul server dies under the relay", () => {
  test("the relay fails over to the next server; browser streams stay open, no gap, no reset", async () => {
    // Two servers with the same replicated state (one index space).
    const publisher = new EventPublisher();
    const catalog = new HealthCatalog(publisher);
    const first = await startConsulRpcServer({ publisher, catalog });
    const second = await startConsulRpcServer({ publisher, catalog });
    const relay = new Relay({
      upstream: createConsulTransport({ servers: [first.address, second.address] }),
    });
    const server = await serve({ server: relay });
    const client = createClient(
      StateChangeSubscription,
      createGrpcTransport({ baseUrl: server.url }),
    );
    const reader = new StreamReader(client, healthRequest("web"));
    try {
      catalog.register({ node: "n1", service: "web", id: "web-1" });
      await reader.snapshot();
      const before = catalog.register({ node: "n2", service: "web", id: "web-2" });
      expect(show(await reader.next())).toBe(`${before}:reg:web-2`);
      await first.close();
      expect(second.connections).toEqual([]);
      const after = catalog.register({ node: "n3", service: "web", id: "web-3" });
      // Resumed on the second server (or mended from its snapshot): the next change arrives.
      const next = await reader.next();
      expect(next.Index).toBeGreaterThanOrEqual(after);
      expect(show(next)).toMatch(/reg:web-3/);
      expect(second.connections).toEqual([[8]]);
    } finally {
      reader.close();
      await server.close();
      await second.close();
      publisher.shutdown();
    }
  }, 15_000);
});
