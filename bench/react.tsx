/**
 * Peers on the same stream, same process, over loopback HTTP (issue 10 item 2): one recorded
 * stream (100 instances, then N live events) replayed by the package's server on 127.0.0.1,
 * consumed through connect-web (binary) by
 *   ours      useMaterializedView (shared registry, resume, resets);
 *   streamed  TanStack Query experimental_streamedQuery, default reducer (array of chunks);
 *   naive     useState + useEffect, a Map copied per event;
 *   thin      useSyncExternalStore over a Map mutated in place, a new snapshot per event;
 *   db        TanStack DB: a collection fed by the stream (one sync transaction per event),
 *             useLiveQuery ordered by node name.
 * Time is from mount to the render that shows the last event; renders are counted in the
 * consumer. React 19 production build in jsdom. Rounds interleave the consumers.
 */
import "./lib/jsdom.js";
import { type Chart, check, emit, type Figure, figure, median, quick } from "./lib/figures.js";
import { connect, consumers, LABEL, type Outcome } from "./lib/react-consumers.js";
import { INSTANCES, recording, replayServer } from "./lib/replay-server.js";

/** Fewer rounds than the core groups by default: a round at 40k events takes minutes. */
const rounds = Number(process.env.BENCH_REACT_ROUNDS ?? (quick ? 1 : 3));

const SIZES = quick ? [500] : [10_000, 20_000, 40_000];
/** streamedQuery's default reducer copies the array per chunk (quadratic): skipped above this. */
const STREAMED_MAX = 20_000;
/** TanStack DB renders once per event here (about 5 ms each): skipped above this. */
const DB_MAX = 10_000;
const skip = (name: string, n: number) =>
  (name === "streamed" && n > STREAMED_MAX) || (name === "db" && n > DB_MAX);

const streams = Object.fromEntries(SIZES.map((n) => [`n${n}`, recording(n)]));
const server = await replayServer(streams);
connect(server.url);

const samples = new Map<string, Outcome[]>();
for (let r = 0; r < rounds + 1; r++) {
  // Round 0 warms the JIT up on the smallest size only.
  for (const n of r === 0 ? SIZES.slice(0, 1) : SIZES) {
    for (const [name, run] of Object.entries(consumers)) {
      if (skip(name, n)) continue;
      (globalThis as { gc?: () => void }).gc?.();
      const outcome = await run(n);
      check(outcome.renders > 0, `${name} rendered`);
      if (r > 0) samples.set(`${name}@${n}`, [...(samples.get(`${name}@${n}`) ?? []), outcome]);
    }
  }
}
await server.close();

const ms = (name: string, n: number) => median(samples.get(`${name}@${n}`)!.map((o) => o.ms));
const renders = (name: string, n: number) =>
  median(samples.get(`${name}@${n}`)!.map((o) => o.renders));
const has = (name: string, n: number) => samples.has(`${name}@${n}`);
const figures: Figure[] = [];
for (const n of SIZES) {
  const at = `${n.toLocaleString("en")} events`;
  const naive = { name: "naive", value: ms("naive", n) };
  const thin = { name: "thin", value: ms("thin", n) };
  figures.push(
    figure(`naive useState, ${at}`, naive.value, "ms"),
    figure(`thin useSyncExternalStore + Map, ${at}`, thin.value, "ms", naive),
    figure(`ours vs naive, ${at}`, ms("ours", n), "ms", naive, { ratioAtMost: 1.1 }),
    figure(`ours vs thin, ${at}`, ms("ours", n), "ms", thin, { ratioAtMost: 1.1 }),
  );
  if (has("db", n))
    figures.push(
      figure(`TanStack DB useLiveQuery vs ours (how many times slower), ${at}`, ms("db", n), "ms", {
        name: "ours",
        value: ms("ours", n),
      }),
    );
  if (has("streamed", n))
    figures.push(
      figure(
        `streamedQuery vs ours (how many times slower), ${at}`,
        ms("streamed", n),
        "ms",
        { name: "ours", value: ms("ours", n) },
        n === 20_000 ? { ratioAtLeast: 5 } : undefined,
      ),
    );
  figures.push(
    figure(
      `renders, ours, ${at}`,
      renders("ours", n),
      "renders",
      {
        name: "naive's renders",
        value: renders("naive", n),
      },
      { ratioAtMost: 1 },
    ),
    ...["thin", "db", "streamed"]
      .filter((name) => has(name, n))
      .map((name) => figure(`renders, ${LABEL[name]}, ${at}`, renders(name, n), "renders")),
  );
}
const charts: Chart[] = [
  {
    kind: "line",
    file: "react-peers",
    title: "Mount to the render showing the last event (ms, median)",
    xLabel: "live events in the stream (log scale)",
    unit: "ms",
    log: true,
    series: Object.keys(consumers).map((name) => ({
      name: LABEL[name]!,
      points: SIZES.filter((n) => has(name, n)).map((n) => [n, ms(name, n)] as const),
    })),
  },
  {
    kind: "bar",
    file: "react-renders",
    title: `Renders to show ${SIZES[0]!.toLocaleString("en")} events (log scale)`,
    unit: "renders",
    log: true,
    bars: Object.keys(consumers)
      .filter((name) => has(name, SIZES[0]!))
      .map((name) => ({ label: LABEL[name]!, value: renders(name, SIZES[0]!) })),
  },
];
emit({
  group: "react",
  title: "React consumers side by side over loopback HTTP",
  setup: `Node ${process.version}, React 19 (production) in jsdom, connect-web binary over HTTP/1.1 to the package's server on 127.0.0.1, ${INSTANCES} instances then N live events, ${rounds} rounds after a warm-up, consumers interleaved, medians. streamedQuery runs up to ${STREAMED_MAX.toLocaleString("en")} events (its default reducer copies the whole array per chunk: quadratic), TanStack DB up to ${DB_MAX.toLocaleString("en")} (it renders once per event).`,
  figures,
  charts,
});
process.exit(0);
