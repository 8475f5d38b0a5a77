import { Code, ConnectError } from "@connectrpc/connect";
import { CatalogOp, Topic } from "react-submatview/gen";
import {
  EventPublisher,
  type EventPublisherOptions,
  type SnapshotFunc,
} from "react-submatview/server";
import { afterEach, describe, expect, test } from "vitest";
import { deferred } from "../support/deferred.js";
import { ManualTimers } from "../support/manual-timers.js";
import {
  countSubscriptions,
  healthRequest,
  StreamReader,
  describe as show,
  startTestServer,
  type TestServer,
} from "../support/server.js";

let server: TestServer;
const readers: StreamReader[] = [];

async function start(options: EventPublisherOptions = {}) {
  server = await startTestServer(options);
  return server;
}

function open(
  request: Parameters<typeof healthRequest>[1] & object = {},
  service = "web",
  protocol?: "connect" | "grpc-web" | "grpc",
) {
  const reader = new StreamReader(server.client(protocol), healthRequest(service, request));
  readers.push(reader);
  return reader;
}

afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  await server?.close();
});

const web = (n: number, extra: object = {}) => ({
  node: `node-${n}`,
  service: "web",
  id: `web-${n}`,
  ...extra,
});

describe("SPEC P5/S5: fresh subscriptions", () => {
  test("snapshot events carry the snapshot index, then EndOfSnapshot at it, then live events", async () => {
    const { catalog } = await start();
    catalog.register(web(1));
    catalog.register(web(2));
    catalog.register({ node: "node-1", service: "db" });
    const reader = open();
    expect((await reader.snapshot()).map(show)).toEqual([
      "3:reg:web-1",
      "3:reg:web-2",
      "3:EndOfSnapshot",
    ]);
    catalog.setStatus("node-2", "web-2", "critical");
    catalog.register({ node: "node-3", service: "db" }); // another subject: not delivered
    catalog.deregister("node-1", "web-1");
    expect(show(await reader.next())).toBe("4:reg:web-2");
    expect(show(await reader.next())).toBe("6:dereg:web-1");
  });

  test("an empty snapshot reports index 1, never 0", async () => {
    await start();
    expect((await open().snapshot()).map(show)).toEqual(["1:EndOfSnapshot"]);
  });

  test("events published while a snapshot is built are neither lost nor duplicated", async () => {
    const publisher = new EventPublisher();
    const started = deferred();
    const release = deferred();
    let state: string[] = ["a"];
    let index = 1n;
    const snapshot: SnapshotFunc = async (_req, append) => {
      const seen = [...state];
      const at = index;
      started.resolve();
      await release.promise;
      // The snapshot reflects the state at `at`; later events must follow EndOfSnapshot.
      for (const id of seen) append([{ index: at, payload: reg(id) }]);
      return at;
    };
    publisher.registerTopic(Topic.ServiceHealth, snapshot);
    publisher.publish([
      { topic: Topic.ServiceHealth, subject: "web", index: 1n, payload: reg("a") },
    ]);
    const { serve } = await import("react-submatview/server/node");
    const running = await serve({ publisher });
    const { createClient } = await import("@connectrpc/connect");
    const { createConnectTransport } = await import("@connectrpc/connect-web");
    const { StateChangeSubscription } = await import("react-submatview/gen");
    const client = createClient(
      StateChangeSubscription,
      createConnectTransport({ baseUrl: running.url }),
    );
    const reader = new StreamReader(client, healthRequest("web"));
    readers.push(reader);
    const first = reader.next();
    await started.promise;
    // Two transactions land while the snapshot is being built; the snapshot saw neither.
    publisher.publish([
      { topic: Topic.ServiceHealth, subject: "web", index: 2n, payload: reg("b") },
    ]);
    publisher.publish([
      { topic: Topic.ServiceHealth, subject: "web", index: 3n, payload: reg("c") },
    ]);
    state = ["a", "b", "c"];
    index = 3n;
    release.resolve();
    const events = [await first, ...(await reader.readUntil((e) => e.Index === 3n))];
    expect(events.map(show)).toEqual(["1:reg:a", "1:EndOfSnapshot", "2:reg:b", "3:reg:c"]);
    publisher.publish([
      { topic: Topic.ServiceHealth, subject: "web", index: 4n, payload: reg("d") },
    ]);
    expect(show(await reader.next())).toBe("4:reg:d");
    reader.close();
    await running.close();
  });

  test("a multi-event transaction arrives as one EventBatch", async () => {
    const { catalog } = await start();
    const reader = open();
    await reader.snapshot();
    catalog.transaction((tx) => {
      tx.register(web(1));
      tx.register({ node: "node-9", service: "db" });
      tx.register(web(2));
    });
    // P5: the empty snapshot reported 1, so the catalog's first transaction is 2.
    expect(show(await reader.next())).toBe("2:batch[2:reg:web-1,2:reg:web-2]");
  });
});

describe("SPEC S6: resume", () => {
  test("resuming at the buffer head sends no framing, only the next live event", async () => {
    const { catalog, publisher } = await start();
    const opened = countSubscriptions(publisher);
    const holder = open();
    await holder.snapshot();
    const at = catalog.register(web(1));
    await holder.next();
    const resumed = open({ Index: at });
    await opened(2);
    catalog.register(web(2));
    expect(show(await resumed.next())).toBe(`${at + 1n}:reg:web-2`);
  });

  test("a stale resume gets NewSnapshotToFollow at index 0, a full snapshot, then live events", async () => {
    const { catalog } = await start();
    catalog.register(web(1));
    catalog.register(web(2));
    const reader = open({ Index: 1n });
    expect((await reader.snapshot()).map(show)).toEqual([
      "0:NewSnapshotToFollow",
      "2:reg:web-1",
      "2:reg:web-2",
      "2:EndOfSnapshot",
    ]);
    catalog.deregister("node-2", "web-2");
    expect(show(await reader.next())).toBe("3:dereg:web-2");
  });

  test("a stale resume served from the snapshot cache is spliced onto the live events", async () => {
    const { catalog, publisher } = await start();
    catalog.register(web(1));
    const first = open();
    expect((await first.snapshot()).map(show)).toEqual(["1:reg:web-1", "1:EndOfSnapshot"]);
    expect(publisher.stats().cachedSnapshots).toBe(1);
    catalog.register(web(2));
    await first.next();
    // Index 99 is not the buffer head: a stale resume; the cached snapshot is at index 1.
    const stale = open({ Index: 99n });
    expect((await stale.readUntil((e) => e.Index === 2n)).map(show)).toEqual([
      "0:NewSnapshotToFollow",
      "1:reg:web-1",
      "1:EndOfSnapshot",
      "2:reg:web-2",
    ]);
    catalog.register(web(3));
    expect(show(await stale.next())).toBe("3:reg:web-3");
    // A later fresh subscriber of the same cached snapshot never sees the framing event.
    const fresh = open();
    expect((await fresh.readUntil((e) => e.Index === 3n)).map(show)).toEqual([
      "1:reg:web-1",
      "1:EndOfSnapshot",
      "2:reg:web-2",
      "3:reg:web-3",
    ]);
  });
});

describe("SPEC S1/S2: requests and subjects", () => {
  test("a wildcard subscription on a topic without wildcard support fails", async () => {
    await start();
    const reader = new StreamReader(server.client(), {
      Topic: Topic.ServiceHealth,
      Subject: { case: "WildcardSubject", value: true },
    });
    readers.push(reader);
    await expect(reader.next()).rejects.toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: expect.stringMatching(/wildcard/),
    });
  });

  test("a wildcard subscription on ServiceList gets every subject's events", async () => {
    const { catalog } = await start();
    catalog.register(web(1));
    const reader = new StreamReader(server.client(), {
      Topic: Topic.ServiceList,
      Subject: { case: "WildcardSubject", value: true },
    });
    readers.push(reader);
    expect((await reader.snapshot()).map(show)).toEqual(["1:reg:web", "1:EndOfSnapshot"]);
    catalog.register({ node: "n", service: "db" });
    catalog.deregister("node-1", "web-1");
    expect(show(await reader.next())).toBe("2:reg:db");
    expect(show(await reader.next())).toBe("3:dereg:web");
  });

  test.each([
    ["no subject", { Topic: Topic.ServiceHealth }],
    [
      "an empty NamedSubject.Key",
      {
        Topic: Topic.ServiceHealth,
        Subject: { case: "NamedSubject" as const, value: { Key: "" } },
      },
    ],
    [
      "WildcardSubject = false",
      { Topic: Topic.ServiceList, Subject: { case: "WildcardSubject" as const, value: false } },
    ],
  ])("a request with %s fails with InvalidArgument", async (_name, request) => {
    await start();
    const reader = new StreamReader(server.client(), request);
    readers.push(reader);
    await expect(reader.next()).rejects.toMatchObject({ code: Code.InvalidArgument });
  });

  test("an unknown topic fails", async () => {
    await start();
    const reader = new StreamReader(
      server.client(),
      healthRequest("web", { Topic: Topic.MeshConfig }),
    );
    readers.push(reader);
    await expect(reader.next()).rejects.toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: expect.stringMatching(/unknown topic/),
    });
  });

  test("the deprecated top-level Key still names the subject", async () => {
    const { catalog } = await start();
    catalog.register(web(1));
    const reader = new StreamReader(server.client(), { Topic: Topic.ServiceHealth, Key: "web" });
    readers.push(reader);
    expect((await reader.snapshot()).map(show)).toEqual(["1:reg:web-1", "1:EndOfSnapshot"]);
  });

  test("service names match case-insensitively, peer names do not", async () => {
    const { catalog } = await start();
    catalog.register({ node: "n1", service: "Web", id: "web-a" });
    catalog.register({ node: "n2", service: "web", id: "web-b", peer: "Peer1" });
    const upper = new StreamReader(server.client(), healthRequest("WEB"));
    const peer = new StreamReader(server.client(), {
      Topic: Topic.ServiceHealth,
      Subject: { case: "NamedSubject", value: { Key: "WEB", PeerName: "Peer1" } },
    });
    const otherCase = new StreamReader(server.client(), {
      Topic: Topic.ServiceHealth,
      Subject: { case: "NamedSubject", value: { Key: "web", PeerName: "peer1" } },
    });
    readers.push(upper, peer, otherCase);
    expect((await upper.snapshot()).map(show)).toEqual(["2:reg:web-a", "2:EndOfSnapshot"]);
    expect((await peer.snapshot()).map(show)).toEqual(["2:reg:web-b", "2:EndOfSnapshot"]);
    expect((await otherCase.snapshot()).map(show)).toEqual(["2:EndOfSnapshot"]);
    catalog.register({ node: "n3", service: "wEb", id: "web-c" });
    expect(show(await upper.next())).toBe("3:reg:web-c");
  });
});

describe("SPEC S3/S4: publishing", () => {
  test("a non-increasing publish index is rejected, and so is a transaction with mixed indexes", () => {
    const publisher = new EventPublisher();
    publisher.registerTopic(Topic.ServiceHealth, () => 1n);
    const at = (index: bigint) => ({
      topic: Topic.ServiceHealth,
      subject: "web",
      index,
      payload: reg("a"),
    });
    publisher.publish([at(5n)]);
    expect(() => publisher.publish([at(5n)])).toThrow(
      /not greater than the last published index 5/,
    );
    expect(() => publisher.publish([at(4n)])).toThrow(/not greater/);
    expect(() => publisher.publish([at(6n), at(7n)])).toThrow(/share one index/);
    publisher.publish([at(6n)]);
    expect(publisher.index).toBe(6n);
  });

  test("events published with no subscriber are dropped: no buffer is kept for them", async () => {
    const { catalog, publisher } = await start();
    const db = new StreamReader(server.client(), healthRequest("db"));
    readers.push(db);
    await db.snapshot();
    expect(publisher.stats().buffers).toBe(1);
    catalog.register(web(1));
    catalog.register({ node: "n", service: "db" });
    expect(show(await db.next())).toBe("3:reg:db");
    // Only db's buffer exists; web's events went nowhere and a web subscriber starts from a snapshot.
    expect(publisher.stats().buffers).toBe(1);
    expect((await open().snapshot()).map(show)).toEqual(["3:reg:web-1", "3:EndOfSnapshot"]);
  });

  test("a slow reader blocks neither the publisher nor other readers", async () => {
    const { catalog } = await start();
    const slow = open();
    const fast = open();
    await slow.snapshot();
    await fast.snapshot();
    let last = 0n;
    for (let i = 1; i <= 50; i++) last = catalog.register(web(i));
    const seen = await fast.readUntil((e) => e.Index === last);
    expect(seen).toHaveLength(50);
    // The slow reader still gets every event, in order, when it gets round to reading.
    expect((await slow.readUntil((e) => e.Index === last)).map((e) => e.Index)).toEqual(
      seen.map((e) => e.Index),
    );
  });
});

describe("SPEC S7: tokens, ACLs and server-side closes", () => {
  const authorizer: EventPublisherOptions["authorizer"] = (token) => {
    if (token === "all") return () => true;
    if (token === "public") {
      return (event) =>
        event.Payload.case !== "ServiceHealth" ||
        event.Payload.value.CheckServiceNode?.Node?.Node !== "secret";
    }
    return null;
  };

  test("the authorizer drops events and trims batches", async () => {
    const { catalog } = await start({ authorizer });
    const pub = open({ Token: "public" });
    const all = open({ Token: "all" });
    await pub.snapshot();
    await all.snapshot();
    catalog.register({ node: "secret", service: "web", id: "hidden" });
    catalog.transaction((tx) => {
      tx.register(web(1));
      tx.register({ node: "secret", service: "web", id: "hidden-2" });
      tx.register(web(2));
    });
    catalog.register(web(3));
    // The empty snapshots reported 1 (P5): the catalog's transactions start at 2.
    expect(show(await all.next())).toBe("2:reg:hidden");
    expect(show(await all.next())).toBe("3:batch[3:reg:web-1,3:reg:hidden-2,3:reg:web-2]");
    // Index 2 is skipped entirely; index 3's batch loses its secret member.
    expect(show(await pub.next())).toBe("3:batch[3:reg:web-1,3:reg:web-2]");
    expect(show(await pub.next())).toBe("4:reg:web-3");
  });

  test("an unknown token fails with Unknown: ACL not found", async () => {
    await start({ authorizer });
    await expect(open({ Token: "nope" }).next()).rejects.toMatchObject({
      code: Code.Unknown,
      rawMessage: "ACL not found",
    });
    expect(server.publisher.stats()).toEqual({ subscribers: 0, buffers: 0, cachedSnapshots: 0 });
  });

  test("forceCloseToken ends that token's streams with Aborted and leaves the others", async () => {
    const { catalog, publisher } = await start({ authorizer });
    const a = open({ Token: "public" });
    const b = open({ Token: "all" });
    await a.snapshot();
    await b.snapshot();
    publisher.forceCloseToken("public");
    await expect(a.next()).rejects.toMatchObject({ code: Code.Aborted });
    catalog.register(web(1));
    expect(show(await b.next())).toBe("2:reg:web-1");
  });

  test("refreshTopic ends every stream of the topic with Aborted and drops its snapshot cache", async () => {
    const { publisher } = await start();
    const a = open();
    const b = open({}, "db");
    const list = new StreamReader(server.client(), {
      Topic: Topic.ServiceList,
      Subject: { case: "WildcardSubject", value: true },
    });
    readers.push(list);
    await a.snapshot();
    await b.snapshot();
    await list.snapshot();
    expect(publisher.stats().cachedSnapshots).toBe(3);
    publisher.refreshTopic(Topic.ServiceHealth);
    await expect(a.next()).rejects.toMatchObject({ code: Code.Aborted });
    await expect(b.next()).rejects.toMatchObject({ code: Code.Aborted });
    expect(publisher.stats().cachedSnapshots).toBe(1);
    server.catalog.register({ node: "n", service: "api" });
    expect(show(await list.next())).toBe("2:reg:api");
    expect(() => publisher.refreshTopic(Topic.JWTProvider)).toThrow(/not registered/);
  });

  test("shutdown ends every stream with a 'shutting down' error and refuses new ones", async () => {
    const { publisher } = await start();
    const a = open();
    const b = open({}, "db");
    await a.snapshot();
    await b.snapshot();
    publisher.shutdown();
    for (const reader of [a, b]) {
      const error = await reader.next().then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      expect(error?.rawMessage).toMatch(/server is shutting down/);
    }
    await expect(open().next()).rejects.toMatchObject({
      rawMessage: expect.stringMatching(/shutting down/),
    });
  });
});

describe("SPEC S8: cancellation and leaks", () => {
  test("when every client is gone, even one aborted mid-stream, nothing is held", async () => {
    const timers = new ManualTimers();
    const { catalog, publisher } = await start({ timers, snapshotCacheTtlMs: 10_000 });
    catalog.register(web(1));
    const a = open();
    const b = open();
    const c = open({}, "db");
    await a.snapshot();
    await b.snapshot();
    await c.snapshot();
    catalog.register(web(2));
    await a.next(); // b has not read it: it aborts with an unread event in its buffer
    expect(publisher.stats()).toEqual({ subscribers: 3, buffers: 2, cachedSnapshots: 2 });
    a.close();
    b.close();
    c.close();
    await publisher.idle();
    expect(publisher.stats()).toEqual({ subscribers: 0, buffers: 0, cachedSnapshots: 0 });
    expect(timers.pending).toBe(0);
  });

  test("a cached snapshot expires after its TTL while subscribers remain", async () => {
    const timers = new ManualTimers();
    const { publisher } = await start({ timers, snapshotCacheTtlMs: 10_000 });
    await open().snapshot();
    expect(publisher.stats().cachedSnapshots).toBe(1);
    timers.advance(9_999);
    expect(publisher.stats().cachedSnapshots).toBe(1);
    timers.advance(1);
    expect(publisher.stats()).toEqual({ subscribers: 1, buffers: 1, cachedSnapshots: 0 });
  });

  test("a cache TTL of 0 disables the snapshot cache", async () => {
    const { publisher } = await start({ snapshotCacheTtlMs: 0 });
    await open().snapshot();
    expect(publisher.stats().cachedSnapshots).toBe(0);
  });
});

describe("SPEC S (transports): the same sequence over Connect, gRPC-web and gRPC (h2c)", () => {
  test("every protocol sees identical events", async () => {
    const { catalog } = await start();
    catalog.register(web(1));
    const protocols = ["connect", "grpc-web", "grpc"] as const;
    const streams = protocols.map((p) => open({}, "web", p));
    const snapshots = await Promise.all(streams.map((s) => s.snapshot()));
    catalog.transaction((tx) => {
      tx.register(web(2));
      tx.register(web(3));
    });
    catalog.deregister("node-1", "web-1");
    const live = await Promise.all(streams.map((s) => s.readUntil((e) => e.Index === 3n)));
    const seen = protocols.map((_, i) => [...snapshots[i]!, ...live[i]!].map(show));
    expect(seen[0]).toEqual([
      "1:reg:web-1",
      "1:EndOfSnapshot",
      "2:batch[2:reg:web-2,2:reg:web-3]",
      "3:dereg:web-1",
    ]);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
  });
});

function reg(id: string) {
  return {
    case: "ServiceHealth" as const,
    value: {
      Op: CatalogOp.Register,
      CheckServiceNode: { Node: { Node: id }, Service: { ID: id, Service: "web" } },
    },
  };
}
