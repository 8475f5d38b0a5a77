/**
 * Memory figures (issue 10 item 2), in their own process so nothing else shares the heap:
 * the retained heap of a materialized 10k-instance view against the retained size of its
 * decoded messages kept in a Map (the same messages, nothing else), and heap per instance at
 * 100k. What compaction buys is measured in the same run: the same messages kept as compact
 * copies (without, then with string interning), and the view with `compact: false`. Heap is
 * measured after two full collections, with the wire bytes alive throughout.
 */

import { HealthCompactor } from "../src/core/compact-health.js";
import type { CheckServiceNode } from "../src/gen/index.js";
import {
  csnOf,
  decode,
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
  interleave,
  median,
  quick,
  settledHeap,
} from "./lib/figures.js";

const figures: Figure[] = [];
const bars: { label: string; value: number }[] = [];
const sizes = quick ? [2_000] : [10_000, 100_000];

for (const instances of sizes) {
  const wire = recordedStream(instances, 0);
  /** Decoded messages (or copies made by `keep`) retained in a Map keyed by node/service ID. */
  const retainedAs = (keep: (csn: CheckServiceNode) => CheckServiceNode) => () => {
    const before = settledHeap();
    const map = new Map<string, CheckServiceNode>();
    for (const bytes of wire) {
      const csn = csnOf(decode(bytes));
      if (csn) map.set(`${csn.Node?.Node}/${csn.Service?.ID}`, keep(csn));
    }
    const bytes = settledHeap() - before;
    check(map.size === instances, "retained map size");
    return bytes;
  };
  const compactor = (strings: boolean) => {
    const k = new HealthCompactor(strings ? {} : { strings: false });
    return (csn: CheckServiceNode) => k.compact(csn);
  };
  const viewOf = (compact: boolean) => async () => {
    const before = settledHeap();
    const materializer = healthMaterializer(replay(wire), { compact });
    const controller = new AbortController();
    const running = materializer.run(controller.signal);
    await reached(materializer, 1n);
    // A reader holds the current result, as a rendered component does.
    const result = materializer.getSnapshot().value;
    const bytes = settledHeap() - before;
    check(result?.nodes.length === instances, "view size");
    controller.abort();
    // Wait for the run to end, so the next case's baseline does not hold this view.
    await running;
    return bytes;
  };
  const samples = await interleave(
    {
      retained: retainedAs((csn) => csn),
      copies: retainedAs(compactor(false)),
      interned: retainedAs(compactor(true)),
      plainView: viewOf(false),
      view: viewOf(true),
    },
    quick ? 1 : 3,
  );
  const base = median(samples.retained);
  const ours = median(samples.view);
  const n = instances.toLocaleString("en");
  const decoded = { name: "decoded messages retained", value: base / 1e6 };
  figures.push(
    figure(`decoded messages retained in a Map, ${n} instances`, base / 1e6, "MB"),
    figure(
      `compact copies retained (literals, shared empties), ${n} instances`,
      median(samples.copies) / 1e6,
      "MB",
      decoded,
    ),
    figure(
      `compact copies retained, strings interned, ${n} instances`,
      median(samples.interned) / 1e6,
      "MB",
      decoded,
    ),
    figure(
      `materialized view, compact: false, ${n} instances`,
      median(samples.plainView) / 1e6,
      "MB",
      decoded,
    ),
    figure(
      `materialized view, ${n} instances`,
      ours / 1e6,
      "MB",
      { name: "decoded messages retained", value: base / 1e6 },
      instances === 10_000 ? { ratioAtMost: 1.5 } : undefined,
    ),
    figure(
      `view heap per instance, ${n} instances`,
      ours / instances,
      "B",
      undefined,
      instances === 100_000 ? { valueAtMost: 2048 } : undefined,
    ),
  );
  bars.push(
    { label: `${n}: decoded messages in a Map`, value: base / 1e6 },
    { label: `${n}: view, compact: false`, value: median(samples.plainView) / 1e6 },
    { label: `${n}: materialized view`, value: ours / 1e6 },
  );
}

const charts: Chart[] = [
  { kind: "bar", file: "memory", title: "Retained heap (MB)", unit: "MB", bars },
];
emit({
  group: "memory",
  title: "Memory: a view against its decoded messages",
  setup: `Node ${process.version}; heap after two full collections, medians of 3. The baseline keeps each instance's decoded CheckServiceNode in a Map keyed by node/service ID; the view is a Materializer + ServiceHealthView after its snapshot, with its current result held; compact copies are HealthCompactor's, kept in the same kind of Map.`,
  figures,
  charts,
});
