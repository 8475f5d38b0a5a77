/**
 * The relay benchmark's figures (issue 11): its results as a `relay` group of
 * `npm run bench` (BENCHMARKS.md, each figure a ratio against a baseline measured in the same
 * run) and as docs/RELAY-BENCHMARKS.md (every level of both sides).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Chart, Figure, GroupResult } from "./lib/figures.js";
import { figure } from "./lib/figures.js";
import type { CpuComparison } from "./relay-cpu.js";

export interface RelayLevel {
  readonly side: "relay" | "floor";
  readonly streams: number;
  /** The side's own probes: through the relay (from the upstream's publish), or the floor's. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Probes straight to the upstream, in the same window. */
  readonly directP50Ms: number;
  readonly directP99Ms: number;
  /** Relay: its p99 − direct p99; floor: its p99 (it publishes itself). */
  readonly addedP99Ms: number;
  /** CPU of the side's process (one core = 100). */
  readonly cpuPercent: number;
  readonly deliveredPerSecond: number;
  readonly failedStreams: number;
}

/**
 * CPU of the serving process alone per event it delivered at a level (µs): the side's CPU over
 * the deliveries its readers counted. Readers excluded, unlike bench/relay-cpu.ts.
 */
export const serverMicros = (l: RelayLevel) =>
  l.deliveredPerSecond > 0 ? (l.cpuPercent * 10_000) / l.deliveredPerSecond : Number.NaN;

/** The median of `serverMicros` over a side's loaded levels (NaN without one). */
export function serverMicrosMedian(r: RelayResults, side: "relay" | "floor"): number {
  const values = r.levels
    .filter((l) => l.side === side && l.streams > 0)
    .map(serverMicros)
    .filter((x) => Number.isFinite(x))
    .sort((a, b) => a - b);
  return values.length > 0 ? Math.round(values[values.length >> 1]! * 100) / 100 : Number.NaN;
}

export interface RelayResults {
  readonly date: string;
  readonly machine: string;
  readonly loadAverage: number;
  readonly keys: number;
  readonly eventsPerSecondPerKey: number;
  readonly windowMs: number;
  readonly checkStreams: number;
  readonly upstreamStreams: number;
  readonly memoryStreams: number;
  readonly memory: Record<"relay" | "floor", { heapKiB: number; rssKiB: number }>;
  readonly levels: readonly RelayLevel[];
  readonly capacity: Record<"relay" | "floor", number>;
  readonly cpu: CpuComparison;
}

const n = (x: number) => x.toLocaleString("en");

/** The hand-written analysis, shared with BENCHMARKS.md (bench/notes/relay.md). */
function note(root: string): string {
  const path = join(root, "bench/notes/relay.md");
  return existsSync(path) ? `\n## Analysis\n\n${readFileSync(path, "utf8").trim()}` : "";
}

export function relayGroup(r: RelayResults): GroupResult {
  const idle = r.levels.find((l) => l.side === "relay" && l.streams === 0);
  const figures: Figure[] = [];
  if (idle) {
    figures.push(
      figure("event through the relay, p50 (probes only)", idle.p50Ms, "ms", {
        name: "straight from the upstream, p50",
        value: idle.directP50Ms,
      }),
      figure("event through the relay, p99 (probes only)", idle.p99Ms, "ms", {
        name: "straight from the upstream, p99",
        value: idle.directP99Ms,
      }),
    );
  }
  figures.push(
    figure(
      `CPU per delivered event, relay (${n(r.cpu.streams)} raw readers, same process)`,
      r.cpu.relayMicrosPerDelivery,
      "µs",
      { name: "bare node:http2 floor, same bytes", value: r.cpu.floorMicrosPerDelivery },
      { ratioAtMost: 2 },
    ),
    figure(
      `streams held at p99 added < 50 ms, ${r.eventsPerSecondPerKey} events/s per key, relay`,
      r.capacity.relay,
      "streams",
      r.capacity.floor > 0 ? { name: "bare node:http2 floor", value: r.capacity.floor } : undefined,
    ),
    figure(
      `streams held at p99 < 50 ms, bare node:http2 floor (the machine's ceiling for a Node relay)`,
      r.capacity.floor,
      "streams",
    ),
    figure(
      `heap per idle downstream stream, relay (${n(r.memoryStreams)} streams)`,
      r.memory.relay.heapKiB,
      "KiB",
      { name: "bare node:http2 floor", value: r.memory.floor.heapKiB },
    ),
    figure(
      `upstream streams for ${n(r.checkStreams)} downstream streams on ${r.keys} keys`,
      r.upstreamStreams,
      "streams",
      undefined,
      { valueAtMost: r.keys },
    ),
  );
  const relayMicros = serverMicrosMedian(r, "relay");
  const floorMicros = serverMicrosMedian(r, "floor");
  if (Number.isFinite(relayMicros) && Number.isFinite(floorMicros)) {
    figures.splice(
      figures.length - 4,
      0,
      figure(
        "CPU per delivered event in the serving process alone (median of loaded levels)",
        relayMicros,
        "µs",
        { name: "bare node:http2 floor", value: floorMicros },
      ),
    );
  }
  const series = (side: "relay" | "floor") => ({
    name: side === "relay" ? "relay (added p99)" : "bare node:http2 floor (p99)",
    points: r.levels
      .filter((l) => l.side === side && l.streams > 0)
      .map((l) => [l.streams, Math.max(l.addedP99Ms, 0.1)] as const),
  });
  const charts: Chart[] = [
    {
      kind: "line",
      file: "relay-latency",
      title: "Relay fan-out: p99 latency by downstream streams (ms)",
      xLabel: "downstream streams",
      unit: "ms",
      series: [series("relay"), series("floor")],
      log: true,
    },
  ];
  return {
    group: "relay",
    title: "Relay: fan-out against a bare node:http2 floor",
    setup: `${r.machine}; load average ${r.loadAverage} at the end. ${r.keys} keys change ${r.eventsPerSecondPerKey} times a second each; the relay (as the CLI runs it) and the floor (a bare node:http2 server writing the same pre-framed bytes) each run in their own process, the upstream and every client in another; raw HTTP/2 gRPC readers count messages, 10 probe streams per path decode and time every event; ${r.windowMs / 1000} s per level, one side loaded at a time. CPU per delivery: relay + upstream + ${n(r.cpu.streams)} readers in one process against floor + the same readers, median of ${r.cpu.rounds} interleaved rounds. Every level of both sides: docs/RELAY-BENCHMARKS.md.`,
    figures,
    charts,
  };
}

export function writeRelayDoc(root: string, r: RelayResults): void {
  const rows = r.levels
    .map(
      (l) =>
        `| ${n(l.streams)} | ${l.side} | ${l.p50Ms} / ${l.p99Ms} | ${l.side === "relay" ? `${l.directP50Ms} / ${l.directP99Ms}` : "—"} | ${l.addedP99Ms} | ${l.cpuPercent} % | ${n(l.deliveredPerSecond)} | ${Number.isFinite(serverMicros(l)) ? serverMicros(l).toFixed(1) : "—"} | ${l.failedStreams} |`,
    )
    .join("\n");
  const c = r.cpu;
  writeFileSync(
    join(root, "docs/RELAY-BENCHMARKS.md"),
    `# Relay benchmarks

Written by \`npm run bench -- relay\` (\`bench/relay.ts\`; figures in \`bench/relay-results.json\`),
${r.date.slice(0, 10)}, on ${r.machine}, load average ${r.loadAverage} at the end of the run (other
processes shared the cores). ${r.keys} keys (services) change ${r.eventsPerSecondPerKey} times a second each. Two sides are
measured in the same run, one loaded at a time:

- **relay**: the CLI's relay (\`serve({ server: relay })\`) in its own process, fed by the
  upstream (\`serve()\` + \`HealthCatalog\`) that runs with every client in the benchmark's process;
- **floor**: the cheapest Node fan-out of the same bytes — a bare \`node:http2\` server in its own
  process writing one pre-framed gRPC message (the same live event, 5-byte envelope) per event
  to every stream of its key, no compat layer, no Connect. What it holds bounds any Node relay
  on this machine.

N downstream streams spread evenly over the keys are read by raw HTTP/2 gRPC readers (messages
counted, not decoded); 10 probe streams per path decode every event and time it: through the
relay and straight from the upstream from the moment of publishing, the floor's from the
timestamp it writes as the event's index. "Added p99" is relay p99 − direct p99 in the same
window; for the floor, its own p99.

| downstream streams | side | p50 / p99 (ms) | direct p50 / p99 (ms) | added p99 (ms) | side's CPU (one core = 100 %) | delivered events/s | side's CPU per delivery (µs) | failed streams |
|---:|---|---:|---:|---:|---:|---:|---:|---:|
${rows}

- **Capacity at p99 < 50 ms** (${r.eventsPerSecondPerKey} events/s per key): relay **${n(r.capacity.relay)}** downstream
  streams, floor **${n(r.capacity.floor)}** — the last level whose added p99 stayed under 50 ms (levels
  stop once a side's p99 passes 2 s). The goal was 10,000.
- **CPU per delivered event** (\`bench/relay-cpu.ts\`, ${n(c.streams)} raw readers in the same process,
  ${c.eventsPerStream} events each, median of ${c.rounds} interleaved rounds): relay ${c.relayMicrosPerDelivery} µs (relay +
  upstream + readers) against the floor's ${c.floorMicrosPerDelivery} µs (floor + readers): **${c.ratio}×**. That is
  about ${n(c.relayStreamsPerCoreAt100PerSecond)} streams per core at 100 events/s for the relay and ${n(c.floorStreamsPerCoreAt100PerSecond)} for the floor, readers included.
- **Memory**: ${r.memory.relay.heapKiB} KiB of heap per idle downstream stream in the relay (${r.memory.relay.rssKiB} KiB RSS),
  against ${r.memory.floor.heapKiB} KiB (${r.memory.floor.rssKiB} KiB RSS) in the floor: ${n(r.memoryStreams)} streams opened, heap after two full
  collections, publishing paused.
- **One upstream stream per key** (SPEC L1): ${n(r.checkStreams)} downstream streams on ${r.keys} keys → ${r.upstreamStreams} upstream
  streams, and every stream received every event exactly (counted with publishing paused).

${note(root)}
`,
  );
}
