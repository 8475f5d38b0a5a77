/**
 * Per-update cost against TanStack DB at the core level (issue 10 item 2): a custom-sync
 * collection of N rows (one sync transaction per update) under a live query ordered by node
 * name, subscribed; against ours — decode + Materializer + ServiceHealthView with a subscriber,
 * from wire bytes (so our figure includes decoding; theirs gets ready-made rows).
 */
import { createCollection, createLiveQueryCollection } from "@tanstack/db";
import { uniqueId } from "../src/core/index.js";
import type { CheckServiceNode } from "../src/gen/index.js";
import {
  csnOf,
  encode,
  healthEvent,
  healthMaterializer,
  reached,
  recordedStream,
  replay,
} from "./lib/events.js";
import {
  type Chart,
  check,
  emit,
  type Figure,
  figure,
  gc,
  interleave,
  median,
  now,
  quick,
} from "./lib/figures.js";

const SIZES = quick ? [1_000] : [10_000, 100_000];
const UPDATES = quick ? 200 : 10_000;

interface Row {
  readonly id: string;
  readonly node: string;
  readonly index: number;
  readonly csn: CheckServiceNode;
}
const row = (csn: CheckServiceNode, index: number): Row => ({
  id: uniqueId(csn),
  node: csn.Node?.Node ?? "",
  index,
  csn,
});

async function theirs(size: number): Promise<number> {
  let sync!: {
    begin(): void;
    write(m: { type: "insert" | "update"; value: Row }): void;
    commit(): void;
  };
  const collection = createCollection<Row, string>({
    id: `db-${size}-${Math.random()}`,
    getKey: (r) => r.id,
    sync: {
      sync: (params) => {
        sync = params;
        params.begin();
        for (let i = 0; i < size; i++)
          params.write({ type: "insert", value: row(csnOf(healthEvent(1n, i, 0))!, 1) });
        params.commit();
        params.markReady();
      },
    },
  });
  const live = createLiveQueryCollection((q) =>
    q.from({ s: collection }).orderBy(({ s }) => s.node),
  );
  let changes = 0;
  const subscription = live.subscribeChanges(() => changes++);
  await live.preload();
  const updates = Array.from({ length: UPDATES }, (_, i) =>
    row(csnOf(healthEvent(BigInt(i + 2), (i * 7919) % size, i + 1))!, i + 2),
  );
  gc();
  const start = now();
  for (const value of updates) {
    sync.begin();
    sync.write({ type: "update", value });
    sync.commit();
  }
  const us = ((now() - start) * 1e3) / UPDATES;
  check(live.size === size && changes > 0, `TanStack DB live query of ${size}`);
  subscription.unsubscribe();
  await live.cleanup();
  await collection.cleanup();
  return us;
}

async function ours(size: number): Promise<number> {
  const wire = recordedStream(size, 0);
  for (let i = 0; i < UPDATES; i++)
    wire.push(encode(healthEvent(BigInt(i + 2), (i * 7919) % size, i + 1)));
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const materializer = healthMaterializer(replay(wire, gate, size + 1));
  let notified = 0;
  materializer.subscribe(() => notified++);
  const controller = new AbortController();
  void materializer.run(controller.signal);
  await reached(materializer, 1n);
  gc();
  const start = now();
  open();
  await reached(materializer, BigInt(UPDATES + 1));
  const us = ((now() - start) * 1e3) / UPDATES;
  check(materializer.getSnapshot().value?.nodes.length === size && notified > UPDATES, "ours");
  controller.abort();
  return us;
}

const figures: Figure[] = [];
const points: { ours: [number, number][]; theirs: [number, number][] } = { ours: [], theirs: [] };
for (const size of SIZES) {
  const samples = await interleave(
    { theirs: () => theirs(size), ours: () => ours(size) },
    quick ? 1 : 3,
  );
  const t = median(samples.theirs);
  const o = median(samples.ours);
  points.ours.push([size, o]);
  points.theirs.push([size, t]);
  const n = `${size.toLocaleString("en")} rows`;
  figures.push(
    figure(`ours per update incl. decode, ${n}`, o, "µs"),
    figure(
      `TanStack DB per update (ordered live query), ${n} — how many times ours`,
      t,
      "µs",
      { name: "ours", value: o },
      size === 100_000 ? { ratioAtLeast: 10 } : undefined,
    ),
  );
}
const charts: Chart[] = [
  {
    kind: "line",
    file: "tanstack-db-per-update",
    title: "Per-update cost against collection size (µs, median)",
    xLabel: "rows / instances (log scale)",
    unit: "µs / update",
    log: true,
    series: [
      { name: "ours: decode + Materializer + view", points: points.ours },
      { name: "TanStack DB: sync txn + ordered live query", points: points.theirs },
    ],
  },
];
emit({
  group: "tanstack-db",
  title: "TanStack DB, core level",
  setup: `@tanstack/db 0.15.1 in Node ${process.version}: a custom-sync collection, one sync transaction per update, a subscribed live query ordered by node name; ours decodes each update from wire bytes. ${UPDATES.toLocaleString("en")} updates to random rows after the snapshot, medians of ${quick ? 1 : 3} rounds after a warm-up.`,
  figures,
  charts,
});
