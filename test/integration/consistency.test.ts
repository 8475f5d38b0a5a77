import { setMaxListeners } from "node:events";
import { createConnectTransport } from "@connectrpc/connect-web";
import {
  MaterializerRegistry,
  type ServiceHealthResult,
  serviceHealthRequest,
} from "react-submatview/core";
import { Topic } from "react-submatview/gen";
import { type HealthStatus, seededRandom } from "react-submatview/server";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";
import { inViewOrder } from "../support/view-order.js";

/**
 * The consistency property Consul's own submatview integration test checks, over real HTTP:
 * producers change the catalog while the server injects faults; every state a consumer sees
 * equals the producers' state at exactly that index, and every consumer converges.
 */

const SERVICES = ["svc-a", "svc-b", "svc-c"];
const TOKEN = "consumer-token";
const TRANSACTIONS = 360;

let server: TestServer;
let registry: MaterializerRegistry;

beforeAll(async () => {
  server = await startTestServer({ snapshotCacheTtlMs: 50 });
  registry = new MaterializerRegistry({
    transport: createConnectTransport({ baseUrl: server.url, useBinaryFormat: true }),
    // Backoff scaled down (same shape as SPEC M7) so a run with many faults stays fast.
    retry: { factorMs: 2, maxWaitMs: 20, random: () => 0 },
  });
});

afterAll(async () => {
  registry?.dispose();
  await server?.close();
});

type Row = string;
const describeNodes = (
  nodes: readonly {
    Node?: { Node: string };
    Service?: { ID: string; Tags: string[] };
    Checks: { Status: string }[];
  }[],
) =>
  nodes.map(
    (n) => `${n.Node?.Node}/${n.Service?.ID}/${n.Checks[0]?.Status}/${n.Service?.Tags.join("+")}`,
  );

test("every observed state equals the producers' state at that index, under faults; all consumers converge", async () => {
  const { catalog, publisher } = server;
  /** Per service: indexes at which it changed, and its rows after each change. */
  const history = new Map<string, { indexes: bigint[]; rows: Row[][] }>(
    SERVICES.map((s) => [s, { indexes: [], rows: [] }]),
  );
  const record = (index: bigint) => {
    for (const service of SERVICES) {
      const rows = describeNodes(inViewOrder(catalog.instances(service)));
      const h = history.get(service)!;
      const last = h.rows.at(-1);
      if (!last || last.join() !== rows.join()) {
        h.indexes.push(index);
        h.rows.push(rows);
      }
    }
  };
  const expected = (service: string, index: bigint): Row[] => {
    const h = history.get(service)!;
    let found: Row[] = [];
    for (let i = 0; i < h.indexes.length && h.indexes[i]! <= index; i++) found = h.rows[i]!;
    return found;
  };

  // Initial state: two instances per service.
  for (const service of SERVICES) {
    for (let i = 0; i < 2; i++)
      record(catalog.register({ node: `node-${i}`, service, id: `${service}-${i}` }));
  }

  const mismatches: string[] = [];
  let observed = 0;
  const check = (
    who: string,
    service: string,
    value: ServiceHealthResult | undefined,
    index: bigint,
  ) => {
    if (!value || index === 0n) return;
    observed++;
    const want = expected(service, index).join();
    const got = describeNodes(value.nodes).join();
    if (want !== got) mismatches.push(`${who} ${service}@${index}: got ${got} want ${want}`);
  };

  const stop = new AbortController();
  // One signal stops all 12 consumers: more listeners than Node's leak heuristic expects.
  setMaxListeners(32, stop.signal);
  const latest = new Map<string, bigint>();
  const converged: Array<() => boolean> = [];
  // Resolved from the consumers' own callbacks once every one of them shows the final state.
  let final = -1n;
  let onConverged: () => void = () => {};
  const allConverged = new Promise<void>((resolve) => {
    onConverged = resolve;
  });
  const checkConvergence = () => {
    if (final < 0n) return;
    if (converged.every((ok) => ok()) && SERVICES.every((s) => (latest.get(s) ?? 0n) >= final))
      onConverged();
  };
  const consumers: Promise<void>[] = [];
  for (const service of SERVICES) {
    const request = serviceHealthRequest({ service, token: TOKEN });
    for (let c = 0; c < 3; c++) {
      let last: ServiceHealthResult | undefined;
      registry.notify(
        request,
        (state) => {
          check(`notify#${c}`, service, state.value, state.index);
          last = state.value;
          checkConvergence();
        },
        { signal: stop.signal },
      );
      converged.push(
        () => describeNodes(last?.nodes ?? []).join() === expected(service, catalog.index).join(),
      );
    }
    // A blocking-query consumer: each result's index is the next minIndex (Consul's agent cache).
    consumers.push(
      (async () => {
        let minIndex = 0n;
        while (!stop.signal.aborted) {
          const result = await registry
            .get(request, { minIndex, signal: stop.signal })
            .catch(() => undefined);
          if (!result) return;
          if (!result.error) check("get", service, result.value, result.index);
          latest.set(service, result.index);
          checkConvergence();
          minIndex = result.error ? minIndex : result.index;
        }
      })(),
    );
  }

  // Producers: three loops interleaving random transactions, yielding to the network in between.
  const random = seededRandom(42);
  const statuses: HealthStatus[] = ["passing", "warning", "critical"];
  let faults = 0;
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
  const producer = async (id: number) => {
    for (let step = 0; step < TRANSACTIONS / 3; step++) {
      const service = SERVICES[Math.floor(random() * SERVICES.length)]!;
      const instance = `${service}-${Math.floor(random() * 4)}`;
      const node = `node-${Math.floor(random() * 3)}`;
      const roll = random();
      const index = catalog.transaction((tx) => {
        if (roll < 0.25) {
          const existing = catalog.instances(service).find((n) => n.Service?.ID === instance);
          if (existing) tx.deregister(existing.Node!.Node, instance);
          else tx.register({ node, service, id: instance });
        } else if (roll < 0.4) {
          // A multi-service transaction: one index, events for several subjects.
          for (const other of SERVICES)
            tx.register({
              node,
              service: other,
              id: `${other}-x${id}`,
              status: statuses[step % 3],
            });
        } else {
          tx.register({
            node,
            service,
            id: instance,
            status: statuses[Math.floor(random() * 3)],
            tags: [`p${id}`],
          });
        }
      });
      record(index);
      const fault = random();
      if (fault < 0.03) {
        server.server.dropConnections();
        faults++;
      } else if (fault < 0.05) {
        publisher.forceCloseToken(TOKEN);
        faults++;
      } else if (fault < 0.06) {
        publisher.refreshTopic(Topic.ServiceHealth);
        faults++;
      }
      await tick();
    }
  };
  await Promise.all([producer(1), producer(2), producer(3)]);
  expect(catalog.index).toBeGreaterThanOrEqual(300n);
  expect(faults).toBeGreaterThan(5);

  // Convergence: one more change per service, then wait for every consumer to see it.
  final = catalog.transaction((tx) => {
    for (const service of SERVICES)
      tx.register({ node: "node-final", service, id: `${service}-final` });
  });
  record(final);
  checkConvergence();
  await allConverged;

  expect(mismatches).toEqual([]);
  expect(observed).toBeGreaterThan(300);
  // One stream per key on the server, although each key has four consumers.
  expect(registry.stats()).toMatchObject({
    entries: SERVICES.length,
    openStreams: SERVICES.length,
  });
  expect(publisher.stats().subscribers).toBe(SERVICES.length);
  stop.abort();
  await Promise.all(consumers);
}, 60_000);
