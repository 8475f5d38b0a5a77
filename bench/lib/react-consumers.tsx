/**
 * The consumers compared in bench/react.tsx, each mounted by `measure` until it shows the
 * last event of an N-event stream: ours, TanStack streamedQuery, a naive useState consumer,
 * a thin useSyncExternalStore store, and TanStack DB's useLiveQuery. `connect` points them at
 * the replay server.
 */
import { create } from "@bufbuild/protobuf";
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { createCollection } from "@tanstack/db";
import { useLiveQuery } from "@tanstack/react-db";
import {
  experimental_streamedQuery,
  QueryClient,
  QueryClientProvider,
  useQuery,
} from "@tanstack/react-query";
import { type ReactElement, useEffect, useState, useSyncExternalStore } from "react";
import { createRoot } from "react-dom/client";
import {
  type CheckServiceNode,
  StateChangeSubscription,
  SubscribeRequestSchema,
  Topic,
} from "../../src/gen/index.js";
import {
  MaterializerProvider,
  MaterializerRegistry,
  serviceHealthRequest,
  uniqueId,
  useMaterializedView,
} from "../../src/react/index.js";
import { now } from "./figures.js";
import { INSTANCES } from "./replay-server.js";

const DEADLINE_MS = 180_000;
let transport: Transport;
let client: Client<typeof StateChangeSubscription>;

/** Points every consumer at the replay server (connect-web, binary). */
export function connect(baseUrl: string): void {
  transport = createConnectTransport({ baseUrl, useBinaryFormat: true });
  client = createClient(StateChangeSubscription, transport);
}

const subscribeRequest = (n: number) =>
  create(SubscribeRequestSchema, {
    Topic: Topic.ServiceHealth,
    Subject: { case: "NamedSubject", value: { Key: `n${n}` } },
  });

export interface Outcome {
  readonly ms: number;
  readonly renders: number;
}
type Probe = { done: () => void; count: () => void; n: number };

/** Mounts `element`, resolves when it calls `done` (the last event is on screen). */
function measure(element: (probe: Omit<Probe, "n">) => ReactElement): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const root = createRoot(document.createElement("div"));
    let renders = 0;
    let finished = false;
    const deadline = setTimeout(() => {
      root.unmount();
      reject(new Error("broken benchmark: a consumer never showed the last event"));
    }, DEADLINE_MS);
    const start = now();
    const done = () => {
      if (finished) return;
      finished = true;
      const ms = now() - start;
      clearTimeout(deadline);
      setTimeout(() => {
        root.unmount();
        resolve({ ms, renders });
      }, 0);
    };
    root.render(element({ done, count: () => renders++ }));
  });
}

function Ours({ done, count, n }: Probe) {
  const { data } = useMaterializedView(serviceHealthRequest({ service: `n${n}` }));
  count();
  useEffect(() => {
    if (data?.index === BigInt(n + 1)) done();
  });
  return <span>{data?.nodes.length ?? 0}</span>;
}

function Streamed({ done, count, n }: Probe) {
  const { data } = useQuery({
    queryKey: ["streamed", n],
    queryFn: experimental_streamedQuery({
      streamFn: ({ signal }) => client.subscribe(subscribeRequest(n), { signal }),
    }),
  });
  count();
  useEffect(() => {
    if (data?.length === n + INSTANCES + 1) done();
  });
  return <span>{data?.length ?? 0}</span>;
}

/** Follows the stream, calling `each` per instance event with its index. */
function follow(
  n: number,
  signal: AbortSignal,
  each: (csn: CheckServiceNode, index: bigint) => void,
) {
  (async () => {
    for await (const event of client.subscribe(subscribeRequest(n), { signal })) {
      if (event.Payload.case === "ServiceHealth" && event.Payload.value.CheckServiceNode)
        each(event.Payload.value.CheckServiceNode, event.Index);
    }
  })().catch(() => {});
}

function Naive({ done, count, n }: Probe) {
  const [state, setState] = useState({ index: 0n, nodes: new Map<string, CheckServiceNode>() });
  count();
  useEffect(() => {
    const controller = new AbortController();
    follow(n, controller.signal, (csn, index) =>
      setState((s) => ({ index, nodes: new Map(s.nodes).set(uniqueId(csn), csn) })),
    );
    return () => controller.abort();
  }, [n]);
  useEffect(() => {
    if (state.index === BigInt(n + 1)) done();
  });
  return <span>{state.nodes.size}</span>;
}

/** The thinnest store: a Map mutated in place, a new snapshot object per event. */
function thinStore(n: number) {
  const nodes = new Map<string, CheckServiceNode>();
  const listeners = new Set<() => void>();
  let snapshot = { index: 0n, nodes };
  const controller = new AbortController();
  follow(n, controller.signal, (csn, index) => {
    nodes.set(uniqueId(csn), csn);
    snapshot = { index, nodes };
    for (const l of listeners) l();
  });
  return {
    subscribe: (l: () => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    getSnapshot: () => snapshot,
    close: () => controller.abort(),
  };
}
function Thin({ done, count, n, store }: Probe & { store: ReturnType<typeof thinStore> }) {
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot);
  count();
  useEffect(() => {
    if (state.index === BigInt(n + 1)) done();
  });
  return <span>{state.nodes.size}</span>;
}

interface Row {
  readonly id: string;
  readonly node: string;
  readonly index: number;
  readonly csn: CheckServiceNode;
}
/** A TanStack DB collection synced from the stream: one transaction per event. */
function dbCollection(n: number, signal: AbortSignal) {
  return createCollection<Row, string>({
    id: `health-${n}-${Math.random()}`,
    getKey: (row) => row.id,
    sync: {
      sync: ({ begin, write, commit, markReady }) => {
        const seen = new Set<string>();
        let ready = false;
        follow(n, signal, (csn, index) => {
          const id = uniqueId(csn);
          begin();
          write({
            type: seen.has(id) ? "update" : "insert",
            value: { id, node: csn.Node?.Node ?? "", index: Number(index), csn },
          });
          seen.add(id);
          commit();
          if (!ready && index === 1n && seen.size === INSTANCES) {
            ready = true;
            markReady();
          }
        });
      },
    },
  });
}
function Db({
  done,
  count,
  n,
  collection,
}: Probe & { collection: ReturnType<typeof dbCollection> }) {
  const { data } = useLiveQuery((q) => q.from({ s: collection }).orderBy(({ s }) => s.node), []);
  count();
  useEffect(() => {
    if (data?.some((row) => row.index === n + 1)) done();
  });
  return <span>{data?.length ?? 0}</span>;
}

export const consumers: Record<string, (n: number) => Promise<Outcome>> = {
  ours: async (n) => {
    const registry = new MaterializerRegistry({ transport });
    const outcome = await measure((p) => (
      <MaterializerProvider registry={registry}>
        <Ours {...p} n={n} />
      </MaterializerProvider>
    ));
    registry.dispose();
    return outcome;
  },
  streamed: async (n) => {
    const queryClient = new QueryClient();
    const outcome = await measure((p) => (
      <QueryClientProvider client={queryClient}>
        <Streamed {...p} n={n} />
      </QueryClientProvider>
    ));
    queryClient.clear();
    return outcome;
  },
  naive: (n) => measure((p) => <Naive {...p} n={n} />),
  thin: async (n) => {
    // Created in the measured time: its stream opens at mount, like the others'.
    let store: ReturnType<typeof thinStore> | undefined;
    const outcome = await measure((p) => {
      store = thinStore(n);
      return <Thin {...p} n={n} store={store} />;
    });
    store?.close();
    return outcome;
  },
  db: async (n) => {
    const controller = new AbortController();
    const outcome = await measure((p) => (
      <Db {...p} n={n} collection={dbCollection(n, controller.signal)} />
    ));
    controller.abort();
    return outcome;
  },
};
export const LABEL: Record<string, string> = {
  ours: "useMaterializedView (ours)",
  streamed: "TanStack streamedQuery (default reducer)",
  naive: "naive useState + Map copy",
  thin: "thin useSyncExternalStore + Map",
  db: "TanStack DB useLiveQuery (ordered)",
};
