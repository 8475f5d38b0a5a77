/**
 * The relay over real sockets on 127.0.0.1 (SPEC L1–L3): the package's own server upstream,
 * `serve({ server: relay })` downstream. Fan-out, indexes passed through, every protocol,
 * resumes from the buffer or with a resnapshot, an upstream resnapshot mended in place.
 */
import { create } from "@bufbuild/protobuf";
import { ConnectError, createClient } from "@connectrpc/connect";
import * as node from "@connectrpc/connect-node";
import { type Event, StateChangeSubscription, SubscribeRequestSchema } from "react-submatview/gen";
import { SUBSCRIBED_HEADER } from "react-submatview/server";
import { afterEach, describe, expect, test } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { healthRequest, StreamReader, describe as show } from "../support/server.js";
import { type RelayWorld, startRelayWorld } from "./support/relay-world.js";

let world: RelayWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const isEnd = (e: Event) => e.Payload.case === "EndOfSnapshot";

/** Reads `count` events. */
async function take(reader: StreamReader, count: number): Promise<Event[]> {
  const events: Event[] = [];
  while (events.length < count) events.push(await reader.next());
  return events;
}

describe("SPEC L1: one upstream stream per key, fanned out", () => {
  test("1,000 downstream streams on 10 keys → 10 upstream streams; every stream gets every event", async () => {
    // One test process is one client: lift the per-client limit (200) for its 1,000 streams.
    world = await startRelayWorld({ maxStreamsPerClient: 2000 });
    const { catalog, publisher } = world.upstream;
    const services = Array.from({ length: 10 }, (_, i) => `svc-${i}`);
    for (const service of services) catalog.register({ node: "n1", service, id: `${service}-1` });
    const readers = Array.from({ length: 1000 }, (_, i) =>
      world!.open(healthRequest(services[i % 10]!), "grpc"),
    );
    const snapshots = await Promise.all(readers.map((r) => r.snapshot()));
    for (const snapshot of snapshots) expect(snapshot.map(show).at(-1)).toMatch(/EndOfSnapshot/);
    expect(publisher.stats().subscribers).toBe(10);
    expect(world.relay.stats()).toMatchObject({ upstreamStreams: 10, downstreamStreams: 1000 });

    const indexes = services.map((service) =>
      catalog.register({ node: "n2", service, id: `${service}-2` }),
    );
    const live = await Promise.all(readers.map((r) => r.next()));
    live.forEach((event, i) => {
      expect(event.Index).toBe(indexes[i % 10]);
      expect(show(event)).toBe(`${indexes[i % 10]}:reg:${services[i % 10]}-2`);
    });
    expect(publisher.stats().subscribers).toBe(10);
  }, 60_000);

  test.each(["connect", "grpc-web", "grpc", "connect-h2"] as const)(
    "serves %s with the upstream's indexes, exactly as the upstream streams them (SPEC L2)",
    async (protocol) => {
      world = await startRelayWorld();
      const { catalog } = world.upstream;
      catalog.register({ node: "n1", service: "web", id: "web-1" });
      catalog.register({ node: "n2", service: "web", id: "web-2" });
      const direct = world.direct(healthRequest("web"));
      const relayed = world.open(healthRequest("web"), protocol);
      const [a, b] = [await direct.snapshot(), await relayed.snapshot()];
      // Same snapshot index and same objects (order inside a snapshot is not part of P5).
      expect(b.at(-1)?.Index).toBe(a.at(-1)?.Index);
      expect(b.map(show).sort()).toEqual(a.map(show).sort());
      catalog.setStatus("n1", "web-1", "critical");
      catalog.transaction((tx) => {
        tx.register({ node: "n3", service: "web", id: "web-3" });
        tx.deregister("n2", "web-2");
      });
      expect((await take(relayed, 2)).map(show)).toEqual((await take(direct, 2)).map(show));
    },
    15_000,
  );
});

describe("the JSON format (connect-web's default)", () => {
  test.each([
    ["Connect", node.createConnectTransport],
    ["gRPC-web", node.createGrpcWebTransport],
  ] as const)(
    "%s with JSON gets the same events as with binary",
    async (_, transport) => {
      world = await startRelayWorld();
      const { catalog } = world.upstream;
      catalog.register({ node: "n1", service: "web", id: "web-1" });
      const client = createClient(
        StateChangeSubscription,
        transport({ baseUrl: world.server.url, httpVersion: "1.1", useBinaryFormat: false }),
      );
      const json = new StreamReader(client, healthRequest("web"));
      const binary = world.open(healthRequest("web"));
      try {
        const [a, b] = [await json.snapshot(), await binary.snapshot()];
        expect(a.map(show)).toEqual(b.map(show));
        catalog.transaction((tx) => {
          tx.register({ node: "n2", service: "web", id: "web-2" });
          tx.setStatus("n1", "web-1", "critical");
        });
        catalog.deregister("n2", "web-2");
        expect((await take(json, 2)).map(show)).toEqual((await take(binary, 2)).map(show));
      } finally {
        json.close();
      }
    },
    15_000,
  );
});

describe("SPEC L2: resumes never gap or duplicate", () => {
  test("a resume the buffer covers gets exactly the events after its index, no framing", async () => {
    world = await startRelayWorld();
    const { catalog, publisher } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    const first = world.open(healthRequest("web"));
    const snapshotIndex = (await first.snapshot()).at(-1)!.Index;
    const indexes = ["web-2", "web-3", "web-4"].map((id) =>
      catalog.register({ node: "n1", service: "web", id }),
    );
    await take(first, 3);
    // From the snapshot's index, and from the middle of the buffer.
    const fromSnapshot = world.open(healthRequest("web", { Index: snapshotIndex }));
    expect((await take(fromSnapshot, 3)).map((e) => e.Index)).toEqual(indexes);
    const fromMiddle = world.open(healthRequest("web", { Index: indexes[0] }));
    expect((await take(fromMiddle, 2)).map(show)).toEqual([
      `${indexes[1]}:reg:web-3`,
      `${indexes[2]}:reg:web-4`,
    ]);
    // An index between two events (a snapshot index from another relay) resumes after it.
    const between = world.open(healthRequest("web", { Index: indexes[1]! - 0n }));
    expect((await between.next()).Index).toBe(indexes[2]);
    const atTail = world.open(healthRequest("web", { Index: indexes[2] }));
    const next = catalog.register({ node: "n1", service: "web", id: "web-5" });
    expect(show(await atTail.next())).toBe(`${next}:reg:web-5`);
    // All answered by the relay: still one upstream stream.
    expect(publisher.stats().subscribers).toBe(1);
  }, 15_000);

  test("a resume below the buffer gets NewSnapshotToFollow and the relay's snapshot", async () => {
    world = await startRelayWorld({ historySize: 2 });
    const { catalog } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    const first = world.open(healthRequest("web"));
    const start = (await first.snapshot()).at(-1)!.Index;
    for (let i = 2; i <= 8; i++) catalog.register({ node: "n1", service: "web", id: `web-${i}` });
    const last = (await take(first, 7)).at(-1)!.Index;
    const stale = world.open(healthRequest("web", { Index: start }));
    const events = await stale.readUntil(isEnd);
    expect(events[0]?.Payload.case).toBe("NewSnapshotToFollow");
    expect(events.at(-1)?.Index).toBe(last);
    expect(events.length - 2).toBe(8);
    // Snapshot events carry the snapshot's index (SPEC P5).
    for (const event of events.slice(1, -1)) expect(event.Index).toBe(last);
  }, 15_000);

  test("a resume ahead of the relay waits for it to catch up, then resumes after that index", async () => {
    const timers = new ManualTimers();
    world = await startRelayWorld({ timers, resumeWaitMs: 5_000 });
    const { catalog } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    const first = world.open(healthRequest("web"));
    const index = (await first.snapshot()).at(-1)!.Index;
    // A client that already saw the next event on another relay.
    const scheduled = timers.scheduled();
    const ahead = world.open(healthRequest("web", { Index: index + 1n }));
    await scheduled;
    expect(catalog.register({ node: "n1", service: "web", id: "web-2" })).toBe(index + 1n);
    const after = catalog.register({ node: "n1", service: "web", id: "web-3" });
    expect(show(await ahead.next())).toBe(`${after}:reg:web-3`);
  }, 15_000);

  test("a resume ahead that the relay never reaches resnapshots after resumeWaitMs", async () => {
    const timers = new ManualTimers();
    world = await startRelayWorld({ timers, resumeWaitMs: 5_000 });
    const { catalog } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    const index = (await world.open(healthRequest("web")).snapshot()).at(-1)!.Index;
    const scheduled = timers.scheduled();
    const ahead = world.open(healthRequest("web", { Index: index + 100n }));
    await scheduled;
    timers.advance(5_000);
    const events = await ahead.readUntil(isEnd);
    expect(events.map(show)).toEqual([
      "0:NewSnapshotToFollow",
      `${index}:reg:web-1`,
      `${index}:EndOfSnapshot`,
    ]);
  }, 15_000);

  test("an upstream resnapshot above the relay's index reaches open streams as one live change", async () => {
    world = await startRelayWorld();
    const { catalog, server } = world.upstream;
    catalog.register({ node: "n1", service: "web", id: "web-1" });
    catalog.register({ node: "n2", service: "web", id: "web-2" });
    const reader = world.open(healthRequest("web"));
    await reader.snapshot();
    // The relay's upstream connection dies; meanwhile web-3 arrives and web-2 leaves. The
    // upstream cannot resume the relay (its buffer went with the stream, SPEC S6): it sends
    // NewSnapshotToFollow and a snapshot, which the relay turns into one change.
    server.dropConnections();
    const index = catalog.transaction((tx) => {
      tx.register({ node: "n3", service: "web", id: "web-3" });
      tx.deregister("n2", "web-2");
    });
    const change = await reader.next();
    expect(change.Index).toBeGreaterThanOrEqual(index);
    expect(show(change)).toBe(
      `${change.Index}:batch[${change.Index}:reg:web-3,${change.Index}:dereg:web-2]`,
    );
    const later = catalog.register({ node: "n4", service: "web", id: "web-4" });
    expect(show(await reader.next())).toBe(`${later}:reg:web-4`);
  }, 15_000);
});

describe("SPEC M4, P5: a quiet resume through the relay", () => {
  test("gets the 'subscribed' header at once, before any event", async () => {
    world = await startRelayWorld();
    world.upstream.catalog.register({ node: "n1", service: "web", id: "web-1" });
    const index = (await world.open(healthRequest("web")).snapshot()).at(-1)!.Index;
    const abort = new AbortController();
    try {
      const header = await new Promise<Headers>((resolve, reject) => {
        const stream = world!
          .client()
          .subscribe(create(SubscribeRequestSchema, healthRequest("web", { Index: index })), {
            signal: abort.signal,
            onHeader: resolve,
          });
        stream[Symbol.asyncIterator]()
          .next()
          .then(
            () => reject(new Error("an event came before the header")),
            (error: unknown) => reject(error),
          );
      });
      expect(header.get(SUBSCRIBED_HEADER)).toBe("1");
    } finally {
      abort.abort();
    }
  }, 15_000);
});

describe("unshared topics", () => {
  test("a topic the relay has no keys for is relayed stream by stream", async () => {
    world = await startRelayWorld({ topics: new Map() });
    world.upstream.catalog.register({ node: "n1", service: "web", id: "web-1" });
    const a = world.open(healthRequest("web"));
    const b = world.open(healthRequest("web"));
    await Promise.all([a.snapshot(), b.snapshot()]);
    expect(world.upstream.publisher.stats().subscribers).toBe(2);
    expect(world.relay.stats().upstreamStreams).toBe(2);
    await world.server.close();
    await expect(a.next()).rejects.toThrow(ConnectError);
  }, 15_000);
});
