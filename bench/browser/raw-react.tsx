/**
 * The second baseline: the same raw connect-web stream per key, rendered by React with
 * `useSyncExternalStore` over a `Map` that notifies on every event (no coalescing, no
 * materializer) and the same <Rows> markup as ours. Ours − this = our cost; this − raw DOM =
 * React's cost.
 */
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { useSyncExternalStore } from "react";
import { createRoot } from "react-dom/client";
import { type CheckServiceNode, StateChangeSubscription } from "../../src/gen/index.js";
import { subscribeRequest } from "./raw-dom.js";
import { Rows } from "./rows.js";

interface Store {
  subscribe(listener: () => void): () => void;
  getSnapshot(): readonly CheckServiceNode[];
}

function keyStore(client: Client<typeof StateChangeSubscription>, key: string): Store {
  const rows = new Map<string, CheckServiceNode>();
  const listeners = new Set<() => void>();
  let snapshot: readonly CheckServiceNode[] = [];
  (async () => {
    for await (const event of client.subscribe(subscribeRequest(key))) {
      if (event.Payload.case !== "ServiceHealth") continue;
      const csn = event.Payload.value.CheckServiceNode;
      if (!csn) continue;
      rows.set(csn.Service?.ID ?? "", csn);
      // A new snapshot per event, in insertion order (the server's snapshot is sorted).
      snapshot = [...rows.values()];
      for (const listener of listeners) listener();
    }
  })();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => snapshot,
  };
}

function Table({ store }: { store: Store }) {
  const nodes = useSyncExternalStore(store.subscribe, store.getSnapshot);
  return <Rows nodes={nodes} />;
}

export function mountRawReact(
  root: HTMLElement,
  transport: Transport,
  views: number,
  keys: number,
): void {
  const client = createClient(StateChangeSubscription, transport);
  const stores = Array.from({ length: keys }, (_, k) => keyStore(client, `k${k}`));
  createRoot(root).render(
    <>
      {Array.from({ length: views }, (_, i) => i).map((id) => (
        <Table key={id} store={stores[id % keys]!} />
      ))}
    </>,
  );
}
