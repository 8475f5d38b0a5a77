/**
 * The fault soak's engine (issue 7 item 1): random transactions from several producers
 * interleaved with random faults, against the package's own server over real HTTP, observed
 * by registry `notify` callbacks, blocking `get` loops and mounted React components. Used by
 * `test/reliability/fault-soak.test.tsx` (bounded) and `soak/fault-soak.ts` (many cases). The
 * clients are in fault-soak-clients.ts, what each step does in fault-soak-steps.ts.
 */

import { setMaxListeners } from "node:events";
import { cleanup, render } from "@testing-library/react";
import { MaterializerProvider } from "react-submatview";
import type { InstanceSpec } from "react-submatview/server";
import { startCuttingProxy } from "./cutting-proxy.js";
import { type Action, type Figures, VIEWERS } from "./fault-soak-actions.js";
import { soakRegistries } from "./fault-soak-clients.js";
import { blockingConsumer, notifyConsumer, Observations, Viewer } from "./fault-soak-consumers.js";
import { runStep, type SoakBed, tick } from "./fault-soak-steps.js";
import { FaultWorld, NODES, SERVICES, TOKENS } from "./fault-world.js";
import { bump } from "./observed-client.js";
import { leftovers, within } from "./soak-teardown.js";

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
  const { timers, clients, registries } = soakRegistries(proxy.url, counts);

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
  let h2Stop = new AbortController();
  const startH2 = () => {
    h2Stop = new AbortController();
    for (const service of SERVICES)
      for (const token of TOKENS)
        notifyConsumer(registries.h2, observations, "h2.notify", token, service, h2Stop.signal);
  };
  startH2();

  const viewers = Array.from({ length: VIEWERS }, (_, i) =>
    observations.add(`viewer#${i}`, TOKENS[i % TOKENS.length]!, SERVICES[i % SERVICES.length]!),
  );
  let mounted = true;
  const ui = () => (
    <MaterializerProvider registry={registries.react}>
      {mounted &&
        viewers.map((consumer, i) => (
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
  const bed: SoakBed = {
    world,
    proxy,
    observations,
    timers,
    clients,
    registries,
    viewers,
    armSnapshotFault: (fault) => {
      snapshotFault = fault;
    },
    mount: (mount) => {
      mounted = mount;
      rerender();
    },
    rerender,
    stopH2: () => h2Stop.abort(),
    startH2,
  };

  let failure: unknown;
  try {
    for (const action of actions) {
      figures.steps++;
      bump(counts, action.kind);
      await runStep(bed, action);
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
}
