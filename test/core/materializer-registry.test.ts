import { createConnectTransport } from "@connectrpc/connect-web";
import {
  MaterializerClosedError,
  MaterializerRegistry,
  type MaterializerState,
  type ServiceHealthResult,
  serviceHealthRequest,
  serviceListRequest,
  tokenHash,
} from "react-submatview/core";
import type { EventPublisherOptions } from "react-submatview/server";
import { afterEach, describe, expect, test } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { ev, PushableClient } from "../support/pushable-client.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let registry: MaterializerRegistry;
let timers: ManualTimers;
const TTL = 60_000;

async function setup(options: EventPublisherOptions = {}) {
  server = await startTestServer(options);
  timers = new ManualTimers();
  registry = new MaterializerRegistry({
    transport: createConnectTransport({ baseUrl: server.url, useBinaryFormat: true }),
    idleTtlMs: TTL,
    timers,
    retry: { random: () => 0 },
  });
  server.catalog.register({ node: "n1", service: "web", id: "web-1" });
  server.catalog.register({ node: "n2", service: "web", id: "web-2" });
}

afterEach(async () => {
  registry?.dispose();
  await server?.close();
});

const web = (token = "") => serviceHealthRequest({ service: "web", token });
const ids = (r: { value?: ServiceHealthResult | undefined }) =>
  r.value?.nodes.map((n) => n.Service?.ID);

/** Collects notify callbacks; `until(pred)` resolves at the first state that matches. */
function watch(request = web()) {
  const states: MaterializerState<ServiceHealthResult>[] = [];
  let waiting:
    | { pred: (s: MaterializerState<ServiceHealthResult>) => boolean; resolve: () => void }
    | undefined;
  const controller = new AbortController();
  registry.notify(
    request,
    (state) => {
      states.push(state);
      if (waiting?.pred(state)) waiting.resolve();
    },
    { signal: controller.signal },
  );
  return {
    states,
    controller,
    until(pred: (s: MaterializerState<ServiceHealthResult>) => boolean) {
      const last = states.at(-1);
      if (last && pred(last)) return Promise.resolve();
      return new Promise<void>((resolve) => {
        waiting = { pred, resolve };
      });
    },
  };
}

describe("SPEC R1-R3: sharing", () => {
  test("many get and notify calls on one key share one materializer and one server stream", async () => {
    await setup();
    const watchers = Array.from({ length: 10 }, () => watch());
    const results = await Promise.all(Array.from({ length: 20 }, () => registry.get(web())));
    await Promise.all(watchers.map((w) => w.until((s) => s.index === 2n)));
    expect(results.every((r) => r.index === 2n && ids(r)?.join() === "web-1,web-2")).toBe(true);
    expect(server.publisher.stats().subscribers).toBe(1);
    expect(registry.stats()).toMatchObject({ entries: 1, refs: 10, openStreams: 1 });
    server.catalog.register({ node: "n3", service: "web", id: "web-3" });
    await Promise.all(watchers.map((w) => w.until((s) => s.index === 3n)));
    expect(watchers.every((w) => ids(w.states.at(-1)!)?.join() === "web-1,web-2,web-3")).toBe(true);
  });

  test("requests with different tokens never share, and no key carries a token", async () => {
    await setup();
    const secretA = "3f2b8c1e-aaaa-4b6f-9d1e-000000000001";
    const secretB = "3f2b8c1e-bbbb-4b6f-9d1e-000000000002";
    await Promise.all([
      registry.get(web(secretA)),
      registry.get(web(secretB)),
      registry.get(web(secretA)),
    ]);
    const stats = registry.stats();
    expect(stats.entries).toBe(2);
    expect(JSON.stringify(stats)).not.toContain(secretA);
    expect(JSON.stringify(stats)).not.toContain(secretB);
    expect(stats.keys.some((k) => k.includes(tokenHash(secretA)))).toBe(true);
    expect(web(secretA).key).not.toBe(web(secretB).key);
    expect(server.publisher.stats().subscribers).toBe(2);
  });

  test("a blocking get at the current index times out with notModified and the same state", async () => {
    await setup();
    const first = await registry.get(web());
    const blocked = registry.get(web(), { minIndex: first.index, timeoutMs: 10_000 });
    // get() references the entry and arms the fetch timeout synchronously.
    timers.advance(10_000);
    const result = await blocked;
    expect(result).toMatchObject({ index: 2n, notModified: true });
    expect(ids(result)).toEqual(["web-1", "web-2"]);
  });

  test("notify coalesces a burst into one call with the latest state", async () => {
    const client = new PushableClient();
    registry = new MaterializerRegistry({ client, idleTtlMs: TTL, timers: new ManualTimers() });
    const w = watch();
    const stream = await client.next();
    stream.push(ev.end(1n));
    await w.until((s) => s.index === 1n);
    const before = w.states.length;
    for (let i = 2n; i <= 101n; i++) stream.push(ev.register(i, `n${i}`, `web-${i}`));
    await w.until((s) => s.index === 101n);
    expect(w.states.length - before).toBe(1);
    expect(w.states.at(-1)?.value?.nodes).toHaveLength(100);
  });
});

describe("SPEC R4-R6: lifetimes", () => {
  test("the idle TTL defaults to 5 minutes (TanStack Query's gcTime)", () => {
    expect(new MaterializerRegistry({ client: new PushableClient() }).idleTtlMs).toBe(5 * 60_000);
    expect(() => new MaterializerRegistry({})).toThrow(/needs a `transport`/);
  });

  test("the same registry code runs over connect-node's gRPC transport (h2c)", async () => {
    await setup();
    const grpc = new MaterializerRegistry({ transport: server.transport("grpc"), timers });
    try {
      const result = await grpc.get(web());
      expect(result.index).toBe(2n);
      expect(ids(result)).toEqual(["web-1", "web-2"]);
    } finally {
      grpc.dispose();
    }
  });

  test("the idle TTL starts at the last release and a new reference cancels it; expiry closes the stream", async () => {
    await setup();
    const a = registry.acquire(web());
    const b = registry.acquire(web());
    await a.materializer.fetch();
    a.release();
    expect(timers.pending).toBe(0);
    b.release();
    expect(timers.pending).toBe(1);
    timers.advance(TTL - 1);
    expect(registry.stats().entries).toBe(1);
    // A reference inside the TTL reuses the live materializer and serves its data at once.
    const c = registry.acquire(web());
    expect(c.materializer).toBe(a.materializer);
    expect(timers.pending).toBe(0);
    await expect(c.materializer.fetch()).resolves.toMatchObject({ index: 2n, cached: true });
    c.release();
    timers.advance(TTL - 1);
    expect(registry.stats().entries).toBe(1);
    expect(server.publisher.stats().subscribers).toBe(1);
    timers.advance(1);
    expect(registry.stats()).toMatchObject({ entries: 0, refs: 0 });
    await server.publisher.idle();
    expect(server.publisher.stats()).toEqual({ subscribers: 0, buffers: 0, cachedSnapshots: 0 });
  });

  test("an entry stopped by a terminal error is evicted at refcount 0; the next request starts afresh", async () => {
    let known = false;
    await setup({ authorizer: () => (known ? () => true : null) });
    const result = await registry.get(web("tok"));
    expect(result.error?.message).toMatch(/ACL not found/);
    expect(result.error?.message).not.toContain("tok");
    expect(registry.stats().entries).toBe(0);
    known = true;
    const retry = await registry.get(web("tok"));
    expect(retry).toMatchObject({ index: 2n });
  });

  test("tokens never reach logs, errors or stats (SPEC R1)", async () => {
    const token = "7c0f5a3e-secret-acl-token";
    server = await startTestServer({ authorizer: (t) => (t === token ? null : () => true) });
    const logged: string[] = [];
    const log = (message: string, details?: Record<string, unknown>) =>
      logged.push(message, JSON.stringify(details));
    registry = new MaterializerRegistry({
      transport: server.transport(),
      logger: { debug: log, warn: log, error: log },
      timers: new ManualTimers(),
    });
    const result = await registry.get(web(token));
    expect(result.error).toBeDefined();
    const everything = [
      ...logged,
      String(result.error),
      result.error?.stack ?? "",
      JSON.stringify(registry.stats()),
    ].join("\n");
    expect(logged.length).toBeGreaterThan(0);
    expect(everything).not.toContain(token);
  });

  test("a throwing logger never breaks a stream", async () => {
    await setup();
    const throwing = new MaterializerRegistry({
      transport: server.transport(),
      timers,
      logger: {
        warn: () => {
          throw new Error("logger down");
        },
      },
    });
    try {
      const lease = throwing.acquire(web());
      await lease.materializer.fetch();
      server.server.dropConnections(); // a failure, logged through the throwing logger
      server.catalog.register({ node: "n3", service: "web", id: "web-3" });
      // The drop wakes waiters with its error (M8); the next query sees the recovered stream.
      let result = await lease.materializer.fetch({ minIndex: 2n });
      for (let i = 0; i < 3 && result.error; i++) {
        result = await lease.materializer.fetch({ minIndex: 2n });
      }
      expect(result.error).toBeUndefined();
      expect(result.index).toBe(3n);
      lease.release();
    } finally {
      throwing.dispose();
    }
  });

  test("a terminal error is kept for current holders until they release", async () => {
    await setup({ authorizer: () => null });
    const w = watch(web("tok"));
    await w.until((s) => s.status === "failed");
    expect(registry.stats().entries).toBe(1);
    w.controller.abort();
    expect(registry.stats().entries).toBe(0);
  });

  test("dispose() leaves no stream, timer or listener, and later calls throw", async () => {
    await setup();
    const w = watch();
    const list = watch(serviceListRequest() as never);
    // Both streams open before the count below (a notify no longer waits for another task).
    await Promise.all([w.until((s) => s.index === 2n), list.until((s) => s.index > 0n)]);
    const lease = registry.acquire(web());
    const idle = registry.acquire(serviceHealthRequest({ service: "db" }));
    idle.release();
    expect(timers.pending).toBe(1);
    expect(server.publisher.stats().subscribers).toBeGreaterThanOrEqual(2);
    registry.dispose();
    expect(registry.stats()).toEqual({
      entries: 0,
      refs: 0,
      openStreams: 0,
      listeners: 0,
      keys: [],
    });
    expect(timers.pending).toBe(0);
    expect(lease.materializer.listenerCount).toBe(0);
    await server.publisher.idle();
    expect(server.publisher.stats().subscribers).toBe(0);
    expect(() => registry.acquire(web())).toThrow(MaterializerClosedError);
    void list;
  });
});

describe("SPEC H4: dehydrated snapshots", () => {
  test("a dehydrated entry seeds the view without a stream, and its stream resumes from the snapshot's index", async () => {
    const source = new PushableClient();
    const server = new MaterializerRegistry({ client: source, timers: new ManualTimers() });
    const lease = server.acquire(web());
    (await source.next()).push(ev.register(7n, "n1", "web-1"), ev.end(7n));
    await lease.materializer.fetch();
    const state = JSON.parse(JSON.stringify(server.dehydrate()));
    server.dispose();

    const client = new PushableClient();
    registry = new MaterializerRegistry({
      client,
      timers: new ManualTimers(),
      dehydratedState: state,
    });
    expect(registry.peek(web())).toMatchObject({ index: 7n, status: "live" });
    expect(ids({ value: registry.peek(web())?.value })).toEqual(["web-1"]);
    expect(client.streams).toHaveLength(0);
    registry.acquire(web());
    expect((await client.next()).request.Index).toBe(7n);
  });

  test.each([
    ["garbage events", { index: "7", events: "not base64 at all!" }],
    ["a bad index", { index: "-3", events: "" }],
  ])("a dehydrated entry with %s costs a fresh snapshot, nothing more", async (_name, bad) => {
    const client = new PushableClient();
    const warnings: string[] = [];
    registry = new MaterializerRegistry({
      client,
      timers: new ManualTimers(),
      logger: { warn: (m) => warnings.push(m) },
      dehydratedState: { entries: [{ key: web().key, ...bad }] },
    });
    expect(registry.peek(web())).toMatchObject({ index: 0n, status: "connecting" });
    expect(warnings).toEqual(["ignoring an unreadable dehydrated snapshot"]);
    registry.acquire(web());
    expect((await client.next()).request.Index).toBe(0n);
  });
});
