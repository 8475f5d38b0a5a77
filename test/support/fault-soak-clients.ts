/**
 * The fault soak's four clients and registries (issue 7 item 1): Connect over HTTP/1.1, gRPC
 * over HTTP/2, gRPC-web (the "slow" reader a step can pause) and Connect over HTTP/2 for the
 * React tree, all through the cutting proxy, each registry on its own split timers.
 */
import * as node from "@connectrpc/connect-node";
import { MaterializerRegistry } from "react-submatview";
import { TTL_MS } from "./fault-soak-actions.js";
import { type Counts, type ObservedClient, observedClient } from "./observed-client.js";
import { SplitTimers } from "./split-timers.js";

/** The soak's registries by name. */
export const SOAK_NAMES = ["h1", "h2", "slow", "react"] as const;
export type SoakName = (typeof SOAK_NAMES)[number];

/** One registry per name, each with its client and timers (idle TTL `TTL_MS`). */
export interface SoakRegistries {
  readonly timers: Record<SoakName, SplitTimers>;
  readonly clients: Record<SoakName, ObservedClient>;
  readonly registries: Record<SoakName, MaterializerRegistry>;
}

const byName = <T>(make: (name: SoakName) => T) =>
  Object.fromEntries(SOAK_NAMES.map((name) => [name, make(name)])) as Record<SoakName, T>;

/** The four clients to `url` (the proxy), counting what they see in `counts`. */
function soakClients(url: string, counts: Counts): Record<SoakName, ObservedClient> {
  return {
    h1: observedClient(
      node.createConnectTransport({ baseUrl: url, httpVersion: "1.1", useBinaryFormat: true }),
      counts,
      "h1",
    ),
    h2: observedClient(
      node.createGrpcTransport({ baseUrl: url, pingIntervalMs: 2_000, pingTimeoutMs: 2_000 }),
      counts,
      "h2",
    ),
    slow: observedClient(
      node.createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1", useBinaryFormat: true }),
      counts,
      "slow",
    ),
    react: observedClient(
      node.createConnectTransport({ baseUrl: url, httpVersion: "2", useBinaryFormat: true }),
      counts,
      "react",
    ),
  };
}

/** The soak's registries over the proxy at `url`. */
export function soakRegistries(url: string, counts: Counts): SoakRegistries {
  const timers = byName(() => new SplitTimers(TTL_MS));
  const clients = soakClients(url, counts);
  const registries = byName(
    (name) =>
      new MaterializerRegistry({
        client: clients[name],
        idleTtlMs: TTL_MS,
        timers: timers[name],
        // Consul's backoff shape (SPEC M7), scaled down so a case with many faults stays fast.
        retry: { factorMs: 2, maxWaitMs: 20, random: () => 0.5 },
      }),
  );
  return { timers, clients, registries };
}
