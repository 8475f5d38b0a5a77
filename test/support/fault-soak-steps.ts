/**
 * The fault soak's steps (issue 7 item 1): what each random {@link Action} does to the world,
 * the proxy, the clients and the consumers of one case — transactions, batches, connection
 * drops and cuts (also mid-snapshot and mid-batch), forced closes, restarts and restores, a
 * paused reader, an idle TTL that closes every view, and viewers switching keys.
 */
import { Topic } from "react-submatview/gen";
import type { CuttingProxy } from "./cutting-proxy.js";
import { type Action, STATUSES } from "./fault-soak-actions.js";
import type { SoakRegistries } from "./fault-soak-clients.js";
import type { Consumer, Observations } from "./fault-soak-consumers.js";
import { type FaultWorld, NODES, SERVICES, TOKENS, type Token } from "./fault-world.js";

export const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** One case's moving parts, as the steps act on them. */
export interface SoakBed extends SoakRegistries {
  readonly world: FaultWorld;
  readonly proxy: CuttingProxy;
  readonly observations: Observations;
  /** The mounted viewers' consumers (a switch rewrites their key). */
  readonly viewers: readonly Consumer[];
  /** Arms a fault that the first snapshot event any client reads fires. */
  armSnapshotFault(fault: "drop" | "cut"): void;
  /** Mounts or unmounts the viewers. */
  mount(mounted: boolean): void;
  rerender(): void;
  /** Stops (aborts) or starts the h2 registry's notify consumers. */
  stopH2(): void;
  startH2(): void;
}

/** Runs one step of a case. */
export async function runStep(bed: SoakBed, action: Action): Promise<void> {
  const { world, proxy, clients, registries, timers, observations } = bed;
  switch (action.kind) {
    case "tx":
      return transaction(world, action);
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
      bed.armSnapshotFault(action.kind === "drop-mid-snapshot" ? "drop" : "cut");
      // Every stream resnapshots (Aborted); the first snapshot event read fires the fault.
      return world.publisher.refreshTopic(Topic.ServiceHealth);
    case "cut-mid-batch":
      proxy.cutNext();
      return runStep(bed, { kind: "batch", producer: 9, node: action.node });
    case "aborted":
      return world.publisher.forceCloseToken(TOKENS[action.token]!);
    case "snapshot-to-follow":
      // Connections drop and the catalog moves on before anyone is back: a resume the
      // server cannot serve (SPEC S6) gets NewSnapshotToFollow and a full snapshot.
      world.dropConnections();
      return transaction(world, {
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
      bed.stopH2();
      bed.mount(false);
      await tick();
      timers.h2.expire();
      timers.react.expire();
      world.expireCaches();
      for (const name of ["h2", "react"] as const) {
        const s = registries[name].stats();
        if (s.entries !== 0 || s.refs !== 0 || s.listeners !== 0)
          throw new Error(`${name} kept ${JSON.stringify(s)} after the TTL (SPEC R4)`);
      }
      observations.consumers.splice(
        0,
        observations.consumers.length,
        ...observations.consumers.filter((c) => c.who !== "h2.notify"),
      );
      bed.startH2();
      bed.mount(true);
      return;
    }
    case "switch": {
      const consumer = bed.viewers[action.viewer]!;
      consumer.service = SERVICES[action.service]!;
      consumer.token = TOKENS[action.token]! as Token;
      consumer.last = undefined;
      // Another key's entry may still show an older server life's last good state (kept
      // while it reconnects): epochs are monotonic per view, not across a key switch.
      consumer.cursor.epoch = 0;
      bed.rerender();
      return;
    }
  }
}

function transaction(world: FaultWorld, action: Extract<Action, { kind: "tx" }>): void {
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
