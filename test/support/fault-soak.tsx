/**
 * The fault soak's engine (issue 7 item 1): random transactions from several producers
 * interleaved with random faults, against the package's own server over real HTTP, observed
 * by registry `notify` callbacks, blocking `get` loops and mounted React components. Used by
 * `test/reliability/fault-soak.test.tsx` (bounded) and `soak/fault-soak.ts` (many cases).
 */

import { setMaxListeners } from "node:events";
import * as node from "@connectrpc/connect-node";
import { cleanup, render } from "@testing-library/react";
import { MaterializerProvider, MaterializerRegistry } from "react-submatview";
import { Topic } from "react-submatview/gen";
import type { InstanceSpec } from "react-submatview/server";
import { startCuttingProxy } from "./cutting-proxy.js";
import { type Action, type Figures, STATUSES, TTL_MS, VIEWERS } from "./fault-soak-actions.js";
import {
  blockingConsumer,
  type Consumer,
  notifyConsumer,
  Observations,
  Viewer,
} from "./fault-soak-consumers.js";
import { FaultWorld, NODES, SERVICES, TOKENS, type Token } from "./fault-world.js";
import { bump, type ObservedClient, observedClient } from "./observed-client.js";
import { leftovers, within } from "./soak-teardown.js";
import { SplitTimers } from "./split-timers.js";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

const initialSpecs = (): InstanceSpec[] =>
  SERVICES.flatMap((service) =>
    [0, 1, 2].map((i) => ({ service, node: NODES[i]!, id: `${service}-${i}` })),
  );

/**
 * Runs one case: starts a server, four registries and a React tree, runs `actions`, makes a
 * final change, waits for every consumer to converge, tears everything down and checks that
 * nothing is left (server subscriptions, buffers, cached snapshots; registry entries,
 * references, listeners, timers). Throws on the first broken invariant.
 */
export async function runCase(actions: readonly Action[], figures: Figures, convergeMs = 10_000) {
  const counts = figures.counts;
  const world = await FaultWorld.start(initialSpecs());
  const proxy = await startCuttingProxy(world.port);
  const observations = new Observations(world);
  const stop = new AbortController();
  setMaxListeners(64, stop.signal);
  const timers = {
    h1: new SplitTimers(TTL_MS),
    h2: new SplitTimers(TTL_MS),
    slow: new SplitTimers(TTL_MS),
    react: new SplitTimers(TTL_MS),
  };
  const clients: Record<keyof typeof timers, ObservedClient> = {
    h1: observedClient(
      node.createConnectTransport({
        baseUrl: proxy.url,
        httpVersion: "1.1",
        useBinaryFormat: true,
      }),
      counts,
      "h1",
    ),
    h2: observedClient(
      node.createGrpcTransport({ baseUrl: proxy.url, pingIntervalMs: 2_000, pingTimeoutMs: 2_000 }),
      counts,
      "h2",
    ),
    slow: observedClient(
      node.createGrpcWebTransport({
        baseUrl: proxy.url,
        httpVersion: "1.1",
        useBinaryFormat: true,
      }),
      counts,
      "slow",
    ),
    react: observedClient(
      node.createConnectTransport({ baseUrl: proxy.url, httpVersion: "2", useBinaryFormat: true }),
      counts,
      "react",
    ),
  };
  const registries = Object.fromEntries(
    (Object.keys(timers) as (keyof typeof timers)[]).map((name) => [
      name,
      new MaterializerRegistry({
        client: clients[name],
        idleTtlMs: TTL_MS,
        timers: timers[name],
        // Consul's backoff shape (SPEC M7), scaled down so a case with many faults stays fast.
        retry: { factorMs: 2, maxWaitMs: 20, random: () => 0.5 },
      }),
    ]),
  ) as Record<keyof typeof timers, MaterializerRegistry>;

  // Mid-snapshot faults: armed by a step, fired by the first snapshot event a client reads.
  let snapshotFault: "drop" | "cut" | undefined;
  const onSnapshotEvent = () => {
    if (snapshotFault === "drop") world.dropConnections();
    else if (snapshotFault === "cut") proxy.cutNext();
    if (snapshotFault) bump(counts, `fired:${snapshotFault}-mid-snapshot`);
    snapshotFault = undefined;
  };
  for (const client of Object.values(clients)) client.onSnapshotEvent = onSnapshotEvent;

  const loops: Promise<void>[] = [];
  for (const service of SERVICES) {
    for (const token of TOKENS)
      notifyConsumer(registries.h1, observations, `h1.notify`, token, service, stop.signal);
    notifyConsumer(registries.slow, observations, "slow.notify", "token-all", service, stop.signal);
  }
  loops.push(
    blockingConsumer(registries.h1, observations, "h1.get", "token-all", "web", stop.signal),
  );
  loops.push(
    blockingConsumer(registries.h1, observations, "h1.get", "token-even", "api", stop.signal),
  );
  loops.push(
    blockingConsumer(registries.h1, observations, "h1.get", "token-odd", "db", stop.signal),
  );
  // The h2 registry's consumers come and go with `ttl` steps.
  const h2Consumers: Consumer[] = [];
  let h2Stop = new AbortController();
  const startH2 = () => {
    h2Stop = new AbortController();
    for (const service of SERVICES)
      for (const token of TOKENS)
        h2Consumers.push(
          notifyConsumer(registries.h2, observations, "h2.notify", token, service, h2Stop.signal),
        );
  };
  startH2();

  const viewers = Array.from({ length: VIEWERS }, (_, i) => ({
    consumer: observations.add(
      `viewer#${i}`,
      TOKENS[i % TOKENS.length]!,
      SERVICES[i % SERVICES.length]!,
    ),
  }));
  let mounted = true;
  const ui = () => (
    <MaterializerProvider registry={registries.react}>
      {mounted &&
        viewers.map(({ consumer }, i) => (
          <Viewer
            key={i}
            consumer={consumer}
            observations={observations}
            service={consumer.service}
            token={consumer.token}
          />
        ))}
    </MaterializerProvider>
  );
  // Viewers read their props from their consumer; a switch rewrites them, then re-renders.
  const view = render(ui());
  const rerender = () => view.rerender(ui());

  let failure: unknown;
  try {
    for (const action of actions) {
      figures.steps++;
      bump(counts, action.kind);
      await step(action);
      await tick();
      observations.throwIfMixed();
    }
    // Convergence: no fault pending, one change visible to every token on every service.
    clients.slow.resume();
    snapshotFault = undefined;
    proxy.disarm();
    world.transaction((tx) => {
      for (const service of SERVICES)
        for (const n of [0, 1])
          tx.register({ service, node: NODES[n]!, id: `${service}-final`, tags: ["final"] });
    });
    await within(
      observations.converged(),
      convergeMs,
      () =>
        `no convergence: ${observations.lagging().join("; ")}; streams open: ${Object.entries(
          registries,
        )
          .map(([name, r]) => `${name} ${r.stats().openStreams}/${r.stats().entries}`)
          .join(
            ", ",
          )}; server subscribers ${world.publisher.stats().subscribers} (all epochs ${world.stats().subscribers}, proxy connections ${proxy.connections}); ${JSON.stringify(counts)}`,
    );
    observations.throwIfMixed();
  } catch (error) {
    failure = error;
  }

  // Teardown: every consumer lets go, the TTL elapses: nothing may be left anywhere.
  stop.abort();
  h2Stop.abort();
  mounted = false;
  rerender();
  view.unmount();
  cleanup();
  await Promise.all(loops);
  await tick();
  const leaks = await leftovers(registries, timers, world);
  for (const registry of Object.values(registries)) registry.dispose();
  bump(counts, "cut", proxy.cuts);
  await proxy.close();
  await world.close();
  figures.cases++;
  figures.statesChecked += observations.checked;
  if (failure) throw failure;
  if (leaks.length > 0) throw new Error(`left after teardown: ${leaks.join("; ")}`);

  async function step(action: Action): Promise<void> {
    switch (action.kind) {
      case "tx":
        return transaction(action);
      case "batch":
        world.transaction((tx) => {
          // One transaction, several instances of every service: an EventBatch per subject.
          for (const service of SERVICES)
            for (const n of [action.node, (action.node + 1) % NODES.length])
              tx.register({
                service,
                node: NODES[n]!,
                id: `${service}-b${action.producer}`,
                status: STATUSES[n % 3],
              });
        });
        return;
      case "wait":
        for (let i = 0; i < action.ticks; i++) await tick();
        return;
      case "drop":
        return world.dropConnections();
      case "drop-mid-snapshot":
      case "cut-mid-snapshot":
        snapshotFault = action.kind === "drop-mid-snapshot" ? "drop" : "cut";
        // Every stream resnapshots (Aborted); the first snapshot event read fires the fault.
        return world.publisher.refreshTopic(Topic.ServiceHealth);
      case "cut-mid-batch":
        proxy.cutNext();
        return step({ kind: "batch", producer: 9, node: action.node });
      case "aborted":
        return world.publisher.forceCloseToken(TOKENS[action.token]!);
      case "snapshot-to-follow":
        // Connections drop and the catalog moves on before anyone is back: a resume the
        // server cannot serve (SPEC S6) gets NewSnapshotToFollow and a full snapshot.
        world.dropConnections();
        return transaction({
          kind: "tx",
          producer: 0,
          op: 2,
          service: 0,
          node: action.node,
          slot: 0,
        });
      case "restart":
        await world.restart();
        return;
      case "restore": {
        const { indexes } = world.epoch;
        await world.restart(indexes[Math.floor((action.back / 100) * (indexes.length - 1))]);
        return;
      }
      case "slow":
        if (clients.slow.paused) clients.slow.resume();
        else clients.slow.pause();
        return;
      case "ttl": {
        // h2: every notify stops, the TTL elapses, every view is closed; then they come back.
        h2Stop.abort();
        mounted = false;
        rerender();
        await tick();
        timers.h2.expire();
        timers.react.expire();
        world.expireCaches();
        for (const name of ["h2", "react"] as const) {
          const s = registries[name].stats();
          if (s.entries !== 0 || s.refs !== 0 || s.listeners !== 0)
            throw new Error(`${name} kept ${JSON.stringify(s)} after the TTL (SPEC R4)`);
        }
        h2Consumers.length = 0;
        observations.consumers.splice(
          0,
          observations.consumers.length,
          ...observations.consumers.filter((c) => c.who !== "h2.notify"),
        );
        startH2();
        mounted = true;
        rerender();
        return;
      }
      case "switch": {
        const { consumer } = viewers[action.viewer]!;
        consumer.service = SERVICES[action.service]!;
        consumer.token = TOKENS[action.token]! as Token;
        consumer.last = undefined;
        // Another key's entry may still show an older server life's last good state (kept
        // while it reconnects): epochs are monotonic per view, not across a key switch.
        consumer.cursor.epoch = 0;
        rerender();
        return;
      }
    }
  }

  function transaction(action: Extract<Action, { kind: "tx" }>): void {
    const service = SERVICES[action.service]!;
    const node = NODES[action.node]!;
    const id = `${service}-${action.slot}`;
    world.transaction((tx) => {
      const existing = world.catalog.instances(service).find((n) => n.Service?.ID === id);
      if (action.op === 0 && existing) tx.deregister(existing.Node!.Node, id);
      else if (action.op === 1 && existing)
        tx.setStatus(existing.Node!.Node, id, STATUSES[(action.producer + action.slot) % 3]!);
      else
        tx.register({
          service,
          node: existing?.Node?.Node ?? node,
          id,
          tags: [`p${action.producer}`],
          status: STATUSES[action.node % 3],
        });
    });
  }
}
