/**
 * A distributed source for users' own events (issue 11 item 4, SPEC S3, S5, S6, L2): Redis-fed
 * server processes publish the same transactions at the same indexes. Two writers append
 * concurrently through Redis; a client registry's streams are cut at random points and resume
 * on the other process; one process starts late (it loads the state from Redis and catches up)
 * and another is stopped with Ctrl-C and replaced half-way. Every state a consumer observes
 * equals the writers' state at exactly that index, and every consumer converges.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  MaterializerRegistry,
  type StreamClient,
  serviceHealthRequest,
} from "react-submatview/core";
import { type Event, StateChangeSubscription, SubscribeRequestSchema } from "react-submatview/gen";
import { seededRandom } from "react-submatview/server";
import { RedisEventWriter, type RedisWrite } from "react-submatview/server/node";
import { afterAll, expect, test } from "vitest";
import {
  type Applied,
  deregister,
  type Instance,
  register,
  viewRows,
  WriterHistory,
} from "./support/health-writes.js";
import { type PublisherProcess, startPublisherProcess } from "./support/publisher-process.js";
import { startRedis } from "./support/redis-server.js";

const SERVICES = ["svc-a", "svc-b", "svc-c"];
const TRANSACTIONS = Number(process.env.TX ?? 150);
const PREFIX = "two-processes";

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A subscribe client over the processes in `urls` (replaced as they come and go): each stream
 * goes to the next one in turn and is cut after a random number of events, as a network drop
 * would (a retryable error): the registry resumes from its index on the other process.
 */
function alternatingClient(urls: string[], random: () => number) {
  const counts = new Map<string, number>();
  let turn = 0;
  const client: StreamClient = {
    subscribe(request, options) {
      const url = urls[turn++ % urls.length]!;
      counts.set(url, (counts.get(url) ?? 0) + 1);
      const target = createClient(
        StateChangeSubscription,
        createConnectTransport({ baseUrl: url, httpVersion: "2" }),
      );
      const cutAfter = 1 + Math.floor(random() * 12);
      return (async function* () {
        let seen = 0;
        for await (const event of target.subscribe(
          create(SubscribeRequestSchema, request),
          options,
        )) {
          yield event as Event;
          if (++seen >= cutAfter) throw new ConnectError("test: connection cut", Code.Unavailable);
        }
      })();
    },
  };
  return { client, counts };
}

test("two Redis-fed processes, streams resuming on either at random points: every observed state is the writers' state at that index", async () => {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const writers = [0, 1].map(() => new RedisEventWriter({ redis: redis.client(), prefix: PREFIX }));
  const applied: Applied[] = [];
  const append = async (writer: RedisEventWriter, changes: Applied["changes"]) => {
    const writes: RedisWrite[] = changes.map((c) =>
      c.removed ? deregister(c.instance) : register(c.instance),
    );
    const { index } = await writer.append(writes);
    applied.push({ index, changes });
    return index;
  };
  const random = seededRandom(4);
  const instance = (service: string, status = "passing"): Instance => ({
    service,
    node: `n${Math.floor(random() * 3)}`,
    id: `${service}-${Math.floor(random() * 4)}`,
    status,
  });
  for (const service of SERVICES) {
    await append(writers[0]!, [{ instance: instance(service), removed: false }]);
  }

  const processes: PublisherProcess[] = [];
  const startProcess = async () => {
    const started = await startPublisherProcess(redis.path, PREFIX);
    cleanups.push(() => started.stop());
    processes.push(started);
    return started;
  };
  const urls = [(await startProcess()).url];
  const { client, counts } = alternatingClient(urls, random);
  const registry = new MaterializerRegistry({
    client,
    retry: { factorMs: 2, maxWaitMs: 20, random: () => 0 },
  });
  cleanups.push(() => registry.dispose());

  const observed: Array<{ service: string; index: bigint; rows: string }> = [];
  const latest = new Map<string, bigint>();
  let finalIndex: bigint | undefined;
  let converge: () => void = () => {};
  const converged = new Promise<void>((resolve) => {
    converge = resolve;
  });
  const checkConverged = () => {
    if (finalIndex !== undefined && SERVICES.every((s) => latest.get(s) === finalIndex)) converge();
  };
  const stop = new AbortController();
  for (const service of SERVICES) {
    registry.notify(
      serviceHealthRequest({ service }),
      (state) => {
        if (!state.value || state.index === 0n) return;
        observed.push({ service, index: state.index, rows: viewRows(state.value.nodes) });
        latest.set(service, state.index);
        checkConverged();
      },
      { signal: stop.signal },
    );
  }

  const statuses = ["passing", "warning", "critical"];
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
  let late: PublisherProcess | undefined;
  for (let step = 0; step < TRANSACTIONS; step++) {
    // One or two transactions at once, from different writers: Redis orders them.
    const concurrent = 1 + Math.floor(random() * 2);
    const batch: Array<Promise<bigint>> = [];
    for (let w = 0; w < concurrent; w++) {
      const service = SERVICES[Math.floor(random() * SERVICES.length)]!;
      const roll = random();
      const changes: Applied["changes"] =
        roll < 0.25
          ? [{ instance: instance(service), removed: true }]
          : roll < 0.4
            ? SERVICES.map((s) => ({ instance: { ...instance(s), id: `${s}-x` }, removed: false }))
            : [
                {
                  instance: instance(service, statuses[Math.floor(random() * 3)]),
                  removed: false,
                },
              ];
      batch.push(append(writers[w]!, changes));
    }
    await Promise.all(batch);
    if (step === Math.floor(TRANSACTIONS / 3)) {
      // A process started late: it loads the state at its index from Redis and catches up.
      late = await startProcess();
      urls.push(late.url);
    }
    if (step === Math.floor((2 * TRANSACTIONS) / 3)) {
      // Ctrl-C the first process (its streams end, "shutting down", and resume on the other)
      // and bring up a replacement.
      await processes[0]!.stop();
      urls[0] = (await startProcess()).url;
    }
    for (let i = Math.floor(random() * 4); i >= 0; i--) await tick();
  }
  // A last transaction touches every service, so every view ends at exactly its index.
  finalIndex = await append(
    writers[0]!,
    SERVICES.map((s) => ({
      instance: { service: s, node: "n9", id: `${s}-end`, status: "passing" },
      removed: false,
    })),
  );
  checkConverged();
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    converged,
    new Promise((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `${processes.map((p) => p.output()).join("\n---\n")}no convergence at ${finalIndex}: ${[...latest].map(([s, i]) => `${s}@${i}`)}; streams per process ${[...counts.values()]}`,
            ),
          ),
        20_000,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  stop.abort();

  const history = new WriterHistory(SERVICES, applied);
  const mismatches = observed
    .filter((o) => o.rows !== history.at(o.service, o.index))
    .map((o) => `${o.service}@${o.index}: got ${o.rows} want ${history.at(o.service, o.index)}`);
  expect(mismatches).toEqual([]);
  expect(observed.length).toBeGreaterThan(50);
  // Indexes are Redis's order: gap-free from 2, one per transaction, whichever writer sent it.
  expect(applied.map((a) => a.index).sort((a, b) => (a < b ? -1 : 1))).toEqual(
    Array.from({ length: applied.length }, (_, i) => BigInt(i + 2)),
  );
  // The late process loaded a non-empty state, and streams went through all three processes.
  expect(late!.loadedAt).toBeGreaterThan(BigInt(SERVICES.length + 1));
  expect([...counts.keys()].length).toBe(3);
  for (const count of counts.values()) expect(count).toBeGreaterThanOrEqual(2);
}, 90_000);
