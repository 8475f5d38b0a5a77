/**
 * `npm run bench:react`: one 10k-event stream over real HTTP on loopback, consumed by
 *   (a) useMaterializedView, (b) TanStack's experimental_streamedQuery (default reducer),
 *   (c) a naive useState + useEffect consumer that copies a Map per event.
 * Reports time from mount to the converged render and the number of renders, as ratios
 * measured in one run (issue "React", item 7). Events are pre-built and replayed so the
 * server's own cost does not dilute the ratios.
 */
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><div id=root></div>");
Object.assign(globalThis, {
  window: dom.window,
  document: dom.window.document,
  navigator: dom.window.navigator,
});

const { create } = await import("@bufbuild/protobuf");
const { createClient } = await import("@connectrpc/connect");
const { createConnectTransport } = await import("@connectrpc/connect-web");
const { QueryClient, QueryClientProvider, useQuery, experimental_streamedQuery } = await import(
  "@tanstack/react-query"
);
const React = await import("react");
const { createRoot } = await import("react-dom/client");
const {
  MaterializerProvider,
  MaterializerRegistry,
  serviceHealthRequest,
  useMaterializedView,
  uniqueId,
} = await import("../src/react/index.js");
const { CatalogOp, EventSchema, StateChangeSubscription, SubscribeRequestSchema, Topic } =
  await import("../src/gen/index.js");
const { EventPublisher } = await import("../src/server/index.js");
const { serve } = await import("../src/node/index.js");
type Event = import("../src/gen/index.js").Event;

const INSTANCES = 100;
const LIVE = Number(process.env.BENCH_EVENTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LAST = BigInt(LIVE + 1);

const health = (index: bigint, i: number, round: number): Event =>
  create(EventSchema, {
    Index: index,
    Payload: {
      case: "ServiceHealth",
      value: {
        Op: CatalogOp.Register,
        CheckServiceNode: {
          Node: { Node: `node-${i}`, Address: `10.0.0.${i}` },
          Service: { ID: `web-${i}`, Service: "web", Port: 8080, Tags: [`r${round % 5}`] },
          Checks: [{ Status: ["passing", "warning", "critical"][round % 3]! }],
        },
      },
    },
  });
const replay: Event[] = [];
for (let i = 0; i < INSTANCES; i++) replay.push(health(1n, i, 0));
replay.push(create(EventSchema, { Index: 1n, Payload: { case: "EndOfSnapshot", value: true } }));
for (let n = 0; n < LIVE; n++) replay.push(health(BigInt(n + 2), n % INSTANCES, n + 1));

// A server that replays the recorded stream to every subscriber, then holds it open.
const publisher = new EventPublisher();
const server = await serve({
  publisher,
  routes(router) {
    router.rpc(StateChangeSubscription.method.subscribe, async function* (_req, ctx) {
      for (const event of replay) yield event;
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
    });
  },
});
const transport = createConnectTransport({ baseUrl: server.url, useBinaryFormat: true });
const request = serviceHealthRequest({ service: "web" });

interface Outcome {
  ms: number;
  renders: number;
}

function measure(
  element: (done: () => void, count: () => void) => React.ReactElement,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const container = document.createElement("div");
    const root = createRoot(container);
    let renders = 0;
    const start = performance.now();
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      const ms = performance.now() - start;
      setTimeout(() => {
        root.unmount();
        resolve({ ms, renders });
      }, 0);
    };
    root.render(element(done, () => renders++));
  });
}

// (a) our hook.
function Ours({ done, count }: { done: () => void; count: () => void }) {
  const { data } = useMaterializedView(request);
  count();
  React.useEffect(() => {
    if (data?.index === LAST) done();
  });
  return React.createElement("span", null, data?.nodes.length ?? 0);
}
async function runOurs(): Promise<Outcome> {
  const registry = new MaterializerRegistry({ transport });
  const outcome = await measure((done, count) =>
    React.createElement(
      MaterializerProvider,
      { registry },
      React.createElement(Ours, { done, count }),
    ),
  );
  registry.dispose();
  return outcome;
}

// (b) TanStack streamedQuery with its default reducer (an array of chunks).
const client = createClient(StateChangeSubscription, transport);
function Streamed({ done, count }: { done: () => void; count: () => void }) {
  const { data } = useQuery({
    queryKey: ["bench-streamed"],
    queryFn: experimental_streamedQuery({
      streamFn: ({ signal }) =>
        client.subscribe(
          create(SubscribeRequestSchema, {
            Topic: Topic.ServiceHealth,
            Subject: { case: "NamedSubject", value: { Key: "web" } },
          }),
          { signal },
        ),
    }),
  });
  count();
  React.useEffect(() => {
    if (data?.length === replay.length) done();
  });
  return React.createElement("span", null, data?.length ?? 0);
}
async function runStreamed(): Promise<Outcome> {
  const queryClient = new QueryClient();
  const outcome = await measure((done, count) =>
    React.createElement(
      QueryClientProvider,
      { client: queryClient },
      React.createElement(Streamed, { done, count }),
    ),
  );
  queryClient.clear();
  return outcome;
}

// (c) naive: useState + useEffect, a Map copied per event.
function Naive({ done, count }: { done: () => void; count: () => void }) {
  const [state, setState] = React.useState<{ index: bigint; nodes: Map<string, unknown> }>({
    index: 0n,
    nodes: new Map(),
  });
  count();
  React.useEffect(() => {
    const controller = new AbortController();
    (async () => {
      const stream = client.subscribe(
        create(SubscribeRequestSchema, {
          Topic: Topic.ServiceHealth,
          Subject: { case: "NamedSubject", value: { Key: "web" } },
        }),
        { signal: controller.signal },
      );
      for await (const event of stream) {
        if (event.Payload.case !== "ServiceHealth") continue;
        const csn = event.Payload.value.CheckServiceNode!;
        setState((s) => {
          const nodes = new Map(s.nodes);
          nodes.set(uniqueId(csn), csn);
          return { index: event.Index, nodes };
        });
      }
    })().catch(() => {});
    return () => controller.abort();
  }, []);
  React.useEffect(() => {
    if (state.index === LAST) done();
  });
  return React.createElement("span", null, state.nodes.size);
}
async function runNaive(): Promise<Outcome> {
  return measure((done, count) => React.createElement(Naive, { done, count }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results = { ours: [] as Outcome[], streamed: [] as Outcome[], naive: [] as Outcome[] };
for (let r = 0; r < ROUNDS + 1; r++) {
  const a = await runOurs();
  const b = await runStreamed();
  const c = await runNaive();
  if (r > 0) {
    results.ours.push(a);
    results.streamed.push(b);
    results.naive.push(c);
  }
}
await server.close();

const row = (name: string, outcomes: Outcome[], base: number) => {
  const ms = median(outcomes.map((o) => o.ms));
  return `| ${name} | ${ms.toFixed(0)} | ${(ms / base).toFixed(2)}× | ${median(outcomes.map((o) => o.renders))} |`;
};
const naiveMs = median(results.naive.map((o) => o.ms));
const oursMs = median(results.ours.map((o) => o.ms));
const streamedMs = median(results.streamed.map((o) => o.ms));
console.log(
  [
    `## React consumers (${new Date().toISOString().slice(0, 10)}, node ${process.version}, jsdom, ${LIVE.toLocaleString("en")} live events over ${INSTANCES} instances, ${ROUNDS} rounds, medians)`,
    "",
    "| consumer | ms to converged render | ratio to naive | renders |",
    "|---|---:|---:|---:|",
    row("(a) useMaterializedView", results.ours, naiveMs),
    row("(b) TanStack experimental_streamedQuery", results.streamed, naiveMs),
    row("(c) naive useState + Map copy per event", results.naive, naiveMs),
    "",
    `(a) is ${(streamedMs / oursMs).toFixed(1)}× faster than (b) (target ≥ 5×); (a) takes ${(oursMs / naiveMs).toFixed(2)}× the time of (c) (target ≤ 1.2×).`,
  ].join("\n"),
);
process.exit(0);
