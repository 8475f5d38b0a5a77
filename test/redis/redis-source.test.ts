/**
 * RedisEventSource in one process against a real redis-server (issue 11 item 4): a source
 * started late loads the state at its index S and tails from the entry after S — no gap, no
 * duplicate (SPEC S5, S6); missed entries reload the state and reset streams (M6); a log that
 * goes back stops the source; stop() ends the blocking XREAD.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { Redis } from "ioredis";
import {
  type Event,
  ServiceHealthUpdateSchema,
  SubscribeRequestSchema,
  Topic,
} from "react-submatview/gen";
import { EventPublisher, type PublishEvent, type Subscription } from "react-submatview/server";
import { RedisEventSource, RedisEventWriter, redisLogKeys } from "react-submatview/server/node";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { deregister, type Instance, register, row } from "./support/health-writes.js";
import { startRedis, type TestRedis } from "./support/redis-server.js";

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let logs = 0;
function freshLog() {
  const prefix = `source${++logs}`;
  const client = redis.client();
  return {
    prefix,
    client,
    keys: redisLogKeys(prefix),
    writer: new RedisEventWriter({ redis: client, prefix }),
  };
}

/** A publisher fed by a new source on `prefix`, and every transaction index it published. */
async function startSource(prefix: string, blockMs?: number, client = redis.client()) {
  const publisher = new EventPublisher({ snapshotCacheTtlMs: 0 });
  const published: bigint[] = [];
  const publish = publisher.publish.bind(publisher);
  publisher.publish = (events: readonly PublishEvent[]) => {
    published.push(events[0]!.index);
    publish(events);
  };
  const source = await RedisEventSource.start({
    redis: client,
    prefix,
    publisher,
    blockMs,
    retryDelayMs: 10,
  });
  cleanups.push(() => source.stop());
  return { publisher, source, published, loadedAt: source.index };
}

const api = (i: number, status = "passing"): Instance => ({
  service: "api",
  node: `n${i}`,
  id: `api-${i}`,
  status,
});

const healthRequest = (index = 0n) =>
  create(SubscribeRequestSchema, {
    Topic: Topic.ServiceHealth,
    Index: index,
    Subject: { case: "NamedSubject", value: { Key: "api" } },
  });

const rowsOf = (events: readonly Event[]) =>
  events
    .map((e) => {
      const csn = create(ServiceHealthUpdateSchema, e.Payload.value as never).CheckServiceNode;
      return row(csn?.Node?.Node ?? "", csn?.Service?.ID ?? "", csn?.Checks[0]?.Status ?? "");
    })
    .sort()
    .join();

/** Reads a fresh subscription's snapshot: its index and rows. */
async function snapshot(publisher: EventPublisher): Promise<{ index: bigint; rows: string }> {
  const sub = publisher.subscribe(healthRequest());
  cleanups.push(() => sub.unsubscribe());
  const events: Event[] = [];
  const signal = AbortSignal.timeout(5000);
  for (;;) {
    const item = await sub.next(signal);
    const end = item.events.find((e) => e.Payload.case === "EndOfSnapshot");
    if (end) return { index: end.Index, rows: rowsOf(events) };
    events.push(...item.events);
  }
}

test("a source started late loads the state at S and publishes every later transaction once, in order (SPEC S5, S6)", async () => {
  const { prefix, writer } = freshLog();
  const early = await startSource(prefix);
  for (let i = 0; i < 5; i++) await writer.append([register(api(i))]);
  const late = await startSource(prefix);
  // Appends race the late source's first XREAD: none may be lost or published twice.
  const appends: Array<Promise<{ index: bigint }>> = [];
  for (let i = 0; i < 20; i++) {
    appends.push(
      writer.append(i % 3 ? [register(api(i % 7, "warning"))] : [deregister(api(i % 7))]),
    );
  }
  const last = (await Promise.all(appends)).at(-1)!.index;
  await Promise.all([early.source.reached(last), late.source.reached(last)]);

  expect(late.loadedAt).toBeGreaterThanOrEqual(6n);
  const after = (from: bigint) =>
    Array.from({ length: Number(last - from) }, (_, i) => from + 1n + BigInt(i));
  expect(late.published).toEqual(after(late.loadedAt));
  expect(early.published).toEqual(after(1n));
  // Both processes hold the same state at the same index.
  const [a, b] = await Promise.all([snapshot(early.publisher), snapshot(late.publisher)]);
  expect(b).toEqual(a);
  expect(a.index).toBe(last);
});

test("an empty log's snapshot reports index 1 and the first transaction (2) is published above it (SPEC P5)", async () => {
  const { prefix, writer } = freshLog();
  const { publisher, source, published } = await startSource(prefix);
  expect(await snapshot(publisher)).toEqual({ index: 1n, rows: "" });
  const { index } = await writer.append([register(api(1))]);
  await source.reached(index);
  expect(published).toEqual([2n]);
  expect(await snapshot(publisher)).toEqual({ index: 2n, rows: row("n1", "api-1", "passing") });
});

test("entries the source missed (an index that skips ahead) reload the state and end its streams with Aborted (SPEC M6, S7)", async () => {
  const { prefix, client, keys, writer } = freshLog();
  await writer.append([register(api(1))]);
  const { publisher, source } = await startSource(prefix);
  const sub: Subscription = publisher.subscribe(healthRequest());
  cleanups.push(() => sub.unsubscribe());
  const ended = (async () => {
    for (;;) await sub.next(AbortSignal.timeout(5000));
  })().catch((error: unknown) => error);
  // As if entries were trimmed before this process read them: the next index is 101.
  await client.set(keys.index, "100");
  const { index } = await writer.append([register(api(2))]);
  expect(index).toBe(101n);
  await source.reached(101n);
  const error = await ended;
  expect(ConnectError.from(error).code).toBe(Code.Aborted);
  expect(await snapshot(publisher)).toEqual({
    index: 101n,
    rows: [row("n1", "api-1", "passing"), row("n2", "api-2", "passing")].join(),
  });
});

test("a log that went back stops the source: `done` rejects and waiters are released", async () => {
  const { prefix, client, keys, writer } = freshLog();
  await writer.append([register(api(1))]);
  await writer.append([register(api(2))]);
  const { source } = await startSource(prefix);
  const never = source.reached(10n);
  await client.del(keys.index, keys.stream, keys.state);
  await writer.append([register(api(3))]);
  await expect(source.done).rejects.toThrow(/went back/);
  await expect(never).rejects.toThrow(/went back/);
});

test("stop() ends a blocking XREAD at once (it would block for 60 s) and releases waiters", async () => {
  const { prefix, writer } = freshLog();
  const { source } = await startSource(prefix, 60_000);
  // Once the entry is published, the loop's next XREAD blocks on the empty tail.
  await source.reached((await writer.append([register(api(1))])).index);
  const waiting = source.reached(100n);
  await source.stop();
  await expect(source.done).resolves.toBeUndefined();
  await expect(waiting).rejects.toThrow(/stopped/);
  await expect(source.reached(3n)).rejects.toThrow(/stopped/);
}, 5000);

test.each([
  ["ioredis resends the XREAD", true],
  ["the XREAD fails and the source retries it", false],
])(
  "a dropped tail connection is redialled and the source resumes from its last entry, nothing lost or repeated (%s; SPEC S5)",
  async (_, resend) => {
    const { prefix, client, writer } = freshLog();
    const own = new Redis({ path: redis.path, autoResendUnfulfilledCommands: resend });
    own.on("error", () => {});
    cleanups.push(() => own.disconnect());
    // The XREAD blocks 100 ms at a time: one the client dropped is given up after 1.2 s.
    const { source, published } = await startSource(prefix, 100, own);
    await source.reached((await writer.append([register(api(1))])).index);
    // Kill every other connection, the source's tail among them, as a network drop would.
    const killed = await client.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
    expect(Number(killed)).toBeGreaterThan(0);
    const { index } = await writer.append([register(api(2))]);
    await source.reached(index);
    expect(published).toEqual([2n, 3n]);
  },
  10_000,
);
