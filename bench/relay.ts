/**
 * `npm run bench -- relay` (or `npx tsx bench/relay.ts [--quick]`): the relay's fan-out against
 * the bare-http2 floor, in one run (issue 11). The upstream (`serve()` + `HealthCatalog`) and
 * every client run in this process; the relay (as the CLI runs it) and the floor each run in a
 * process of their own (bench/relay-server.ts). 10 keys change 100 times a second each.
 * - correctness: N streams on 10 keys → 10 upstream streams, and every stream gets every event
 *   (counted exactly with the publisher paused around it) — the only thing that fails a run;
 * - levels: N raw readers on one side at a time; 10 probe streams per path decode every event
 *   and time it (relay and direct from the publish; floor from the index it carries);
 * - memory: heap per idle downstream stream, relay and floor; CPU per delivered event, relay and
 *   floor (bench/relay-cpu.ts).
 * Full runs write bench/relay-results.json and docs/RELAY-BENCHMARKS.md.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "../src/node/index.js";
import { EventPublisher, HealthCatalog } from "../src/server/index.js";
import { cpuComparison } from "./relay-cpu.js";
import {
  epochMicros,
  flipAll,
  KEYS,
  livePayload,
  percentile,
  populate,
  probes,
  RATE,
  Readers,
  round2,
} from "./relay-load.js";
import { type RelayLevel, type RelayResults, relayGroup, writeRelayDoc } from "./relay-report.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
if (process.env.RELAY_FROM_RESULTS === "1") {
  // Re-renders docs/RELAY-BENCHMARKS.md and the group from bench/relay-results.json.
  const saved = JSON.parse(readFileSync(join(root, "bench/relay-results.json"), "utf8"));
  writeRelayDoc(root, saved as RelayResults);
  const target = process.argv[2];
  if (target && !target.startsWith("--"))
    writeFileSync(target, JSON.stringify(relayGroup(saved as RelayResults), null, 2));
  process.exit(0);
}
const quick = process.env.BENCH_QUICK === "1" || process.argv.includes("--quick");
const out = process.argv[2]?.startsWith("--") ? undefined : process.argv[2];
const WINDOW_MS = quick ? 1_000 : 5_000;
const LEVELS = quick ? [200] : [0, 1_000, 2_500, 5_000, 7_500, 10_000, 15_000, 20_000];
const CHECK_STREAMS = quick ? 200 : 1_000;
const MEMORY_STREAMS = quick ? 100 : 1_000;
const PROBES = KEYS;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const broken = (message: string): never => {
  throw new Error(`broken benchmark: ${message}`);
};
async function until(condition: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

/** A serving process (relay or floor) and its IPC questions. */
class Side {
  readonly child: ChildProcess;
  readonly url: Promise<string>;
  broken = false;
  constructor(
    readonly name: "relay" | "floor",
    argument: string,
  ) {
    this.child = spawn(
      process.execPath,
      ["--expose-gc", "--import", "tsx", "bench/relay-server.ts", `--${name}`, argument],
      { cwd: root, stdio: ["ignore", "inherit", "inherit", "ipc"] },
    );
    process.once("exit", () => this.child.kill("SIGKILL"));
    this.url = this.ask("listening").then((m) => m.url as string);
  }
  // biome-ignore lint/suspicious/noExplicitAny: IPC messages are plain JSON
  ask(type: string, extra: object = {}): Promise<any> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`${this.name} exited ${code}`));
      const onMessage = (message: { type: string }) => {
        if (message.type !== type) return;
        this.child.off("message", onMessage);
        this.child.off("exit", onExit);
        resolve(message);
      };
      this.child.on("message", onMessage);
      this.child.once("exit", onExit);
      if (type !== "listening") this.child.send({ type, ...extra });
    });
  }
}

// Upstream, publishing RATE events a second per key; publish times by index.
const publisher = new EventPublisher();
const catalog = new HealthCatalog(publisher);
populate(catalog);
const upstream = await serve({ publisher });
const payload = await livePayload(upstream.url, catalog);
const relay = new Side("relay", upstream.url);
const floor = new Side("floor", Buffer.from(payload).toString("hex"));
const sides = [relay, floor];
const urls = { relay: await relay.url, floor: await floor.url };
const published = new Map<bigint, number>();
let ticking = true;
let flip = 0;
const ticker = setInterval(() => {
  if (!ticking) return;
  for (const index of flipAll(catalog, ++flip)) published.set(index, performance.now());
}, 1000 / RATE);
const sinceLive = (index: bigint) => {
  const at = published.get(index);
  return at === undefined ? undefined : performance.now() - at;
};
const samples = {
  direct: { current: [] as number[] },
  relay: { current: [] as number[] },
  floor: { current: [] as number[] },
};
const stops = [
  probes(upstream.url, sinceLive, samples.direct),
  probes(urls.relay, sinceLive, samples.relay),
  probes(urls.floor, (index) => (epochMicros() - Number(index)) / 1000, samples.floor, false),
];
await sleep(1_000);

/** Streams on `side` back to its probes only (readers closed). */
const settled = (side: Side) =>
  until(async () => (await side.ask("stats")).downstream === PROBES, 60_000);

// Correctness: one upstream stream per key, and every stream gets every event, exactly.
ticking = false;
await sleep(100);
const checkReaders = new Readers(urls.relay);
await checkReaders.open(CHECK_STREAMS);
const snapshotMessages = CHECK_STREAMS * 6; // 5 instances + EndOfSnapshot
if (!(await until(() => checkReaders.messages >= snapshotMessages, 30_000)))
  broken(`${checkReaders.messages} of ${snapshotMessages} snapshot messages`);
const upstreamStreams = (await relay.ask("stats")).upstream as number;
if (upstreamStreams !== KEYS) broken(`${upstreamStreams} upstream streams for ${KEYS} keys`);
const CHECK_ROUNDS = 20;
for (let round = 0; round < CHECK_ROUNDS; round++) flipAll(catalog, ++flip);
const expected = snapshotMessages + CHECK_STREAMS * CHECK_ROUNDS;
await until(() => checkReaders.messages >= expected, 30_000);
await sleep(200); // a duplicate would show up here
if (checkReaders.messages !== expected || checkReaders.failed > 0)
  broken(`${checkReaders.messages} messages of ${expected}, ${checkReaders.failed} failed streams`);
checkReaders.close();
await settled(relay);
ticking = true;
console.log(
  `relay check: ${CHECK_STREAMS} streams, ${upstreamStreams} upstream, ${expected} messages`,
);

// Levels: one side loaded at a time; the other side's probes keep running.
const levels: RelayLevel[] = [];
for (const streams of LEVELS) {
  for (const side of sides) {
    if (side.broken) continue;
    const readers = new Readers(urls[side.name]);
    await readers.open(streams);
    await sleep(quick ? 300 : 1_000);
    for (const s of Object.values(samples)) s.current = [];
    const cpu0 = (await side.ask("cpu")).ms as number;
    const messages0 = readers.messages;
    const t0 = performance.now();
    await sleep(WINDOW_MS);
    const elapsed = performance.now() - t0;
    const cpu = (await side.ask("cpu")).ms as number;
    const own = samples[side.name].current;
    const direct = samples.direct.current;
    const p99 = percentile(own, 99);
    const level: RelayLevel = {
      side: side.name,
      streams,
      p50Ms: round2(percentile(own, 50)),
      p99Ms: round2(p99),
      directP50Ms: round2(percentile(direct, 50)),
      directP99Ms: round2(percentile(direct, 99)),
      addedP99Ms: round2(side.name === "relay" ? p99 - percentile(direct, 99) : p99),
      cpuPercent: Math.round(((cpu - cpu0) / elapsed) * 100),
      deliveredPerSecond: Math.round(((readers.messages - messages0) / elapsed) * 1000),
      failedStreams: readers.failed,
    };
    levels.push(level);
    console.log(JSON.stringify(level));
    readers.close();
    await settled(side);
    if (level.p99Ms > 2_000 || level.failedStreams > 0 || own.length === 0) side.broken = true;
  }
}

// Memory: heap per idle stream (publishing paused, two full collections).
ticking = false;
await floor.ask("pause");
const memory: Record<"relay" | "floor", { heapKiB: number; rssKiB: number }> = {
  relay: { heapKiB: 0, rssKiB: 0 },
  floor: { heapKiB: 0, rssKiB: 0 },
};
for (const side of sides) {
  const snapshot = process.env.RELAY_HEAP_SNAPSHOT; // where to write heap snapshots, if set
  if (snapshot)
    await side.ask("snapshot", { path: `${snapshot}-${side.name}-before.heapsnapshot` });
  const before = await side.ask("heap");
  const readers = new Readers(urls[side.name]);
  await readers.open(MEMORY_STREAMS);
  await sleep(500);
  const after = await side.ask("heap");
  if (snapshot) await side.ask("snapshot", { path: `${snapshot}-${side.name}.heapsnapshot` });
  memory[side.name] = {
    heapKiB: round2((after.heapUsed - before.heapUsed) / MEMORY_STREAMS / 1024),
    rssKiB: round2((after.rss - before.rss) / MEMORY_STREAMS / 1024),
  };
  readers.close();
  await settled(side);
}
await floor.ask("resume");
ticking = true;
console.log(`memory per stream: ${JSON.stringify(memory)}`);

const cpu = cpuComparison(quick ? 100 : 1_000, quick ? 10 : 40, quick ? 1 : 3);
console.log(JSON.stringify(cpu));
const capacity = (name: "relay" | "floor") =>
  levels.filter((l) => l.side === name && l.addedP99Ms < 50 && l.failedStreams === 0).at(-1)
    ?.streams ?? 0;
const results: RelayResults = {
  date: new Date().toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? "?"}, Node ${process.version}`,
  loadAverage: round2(loadavg()[0] ?? 0),
  keys: KEYS,
  eventsPerSecondPerKey: RATE,
  windowMs: WINDOW_MS,
  checkStreams: CHECK_STREAMS,
  upstreamStreams,
  memoryStreams: MEMORY_STREAMS,
  memory,
  levels,
  capacity: { relay: capacity("relay"), floor: capacity("floor") },
  cpu,
};
console.log(JSON.stringify({ capacity: results.capacity, memory }));

clearInterval(ticker);
for (const stop of stops) stop();
for (const side of sides) side.child.kill("SIGKILL");
await upstream.close();
if (!quick) {
  writeFileSync(join(root, "bench/relay-results.json"), `${JSON.stringify(results, null, 2)}\n`);
  writeRelayDoc(root, results);
}
if (out) writeFileSync(out, JSON.stringify(relayGroup(results), null, 2));
process.exit(0);
