/**
 * `npx tsx bench/relay-cpu.ts [streams] [events] [rounds]`: CPU time per delivered event, the
 * relay against the bare-http2 floor (bench/relay-floor.ts) in the same run. Each case runs in
 * its own process, cases interleaved round by round, medians kept:
 * - relay: the upstream (`serve()` + `HealthCatalog`), the relay (`serve({ server: relay })`)
 *   and the raw readers in one process over h2c;
 * - floor: the floor server writing the same bytes and the same raw readers in one process.
 * Wall-clock latency depends on what else runs on the machine; CPU per delivery much less so:
 * one core holds about 1 s / (cost × events per second per stream) streams. Writes
 * bench/relay-cpu-results.json (standalone) and is what bench/relay.ts runs for its group.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Relay, serve } from "../src/node/index.js";
import { EventPublisher, HealthCatalog } from "../src/server/index.js";
import { floorFrame, startFloor } from "./relay-floor.js";
import { flipAll, KEYS, livePayload, populate, Readers } from "./relay-load.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface CpuCase {
  readonly streams: number;
  readonly events: number;
  readonly cpuMicrosPerDelivery: number;
  readonly wallMs: number;
}

export interface CpuComparison {
  readonly date: string;
  readonly streams: number;
  readonly eventsPerStream: number;
  readonly rounds: number;
  readonly relayMicrosPerDelivery: number;
  readonly floorMicrosPerDelivery: number;
  readonly ratio: number;
  readonly relayStreamsPerCoreAt100PerSecond: number;
  readonly floorStreamsPerCoreAt100PerSecond: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Runs both cases `rounds` times, interleaved, each in a fresh process. */
export function cpuComparison(streams: number, events: number, rounds: number): CpuComparison {
  const samples = { relay: [] as number[], floor: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    for (const name of ["floor", "relay"] as const) {
      const run = spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          join(root, "bench/relay-cpu.ts"),
          "--case",
          name,
          `${streams}`,
          `${events}`,
        ],
        { cwd: root, encoding: "utf8", timeout: 5 * 60_000, stdio: ["ignore", "pipe", "inherit"] },
      );
      const line = run.stdout?.trim().split("\n").at(-1) ?? "";
      if (run.status !== 0 || !line.startsWith("{"))
        throw new Error(`broken benchmark: relay-cpu ${name} exited ${run.status}`);
      const result = JSON.parse(line) as CpuCase;
      samples[name].push(result.cpuMicrosPerDelivery);
    }
  }
  const relay = median(samples.relay);
  const floor = median(samples.floor);
  return {
    date: new Date().toISOString(),
    streams,
    eventsPerStream: events,
    rounds,
    relayMicrosPerDelivery: relay,
    floorMicrosPerDelivery: floor,
    ratio: Math.round((relay / floor) * 100) / 100,
    relayStreamsPerCoreAt100PerSecond: Math.floor(1_000_000 / (relay * 100)),
    floorStreamsPerCoreAt100PerSecond: Math.floor(1_000_000 / (floor * 100)),
  };
}

/** One case in this process: N readers, EVENTS rounds of one event per key. */
async function runCase(name: string, streams: number, events: number): Promise<CpuCase> {
  const publisher = new EventPublisher();
  const catalog = new HealthCatalog(publisher);
  populate(catalog);
  const upstream = await serve({ publisher });
  let url: string;
  let publish: (round: number) => void;
  if (name === "relay") {
    const relay = new Relay({
      upstream: createGrpcTransport({ baseUrl: upstream.url }),
      maxStreamsPerKey: 1e6,
      maxStreamsPerClient: 1e6,
    });
    url = (await serve({ server: relay })).url;
    publish = (round) => flipAll(catalog, round);
  } else {
    const payload = await livePayload(upstream.url, catalog);
    const floor = await startFloor();
    url = floor.url;
    let index = 1000n;
    publish = () => {
      for (let key = 0; key < KEYS; key++) floor.publish(key, floorFrame(index++, payload));
    };
  }
  const readers = new Readers(url);
  await readers.open(streams);
  await new Promise((resolve) => setTimeout(resolve, 1000)); // snapshots read, JIT warm
  const base = readers.messages;
  const goal = base + streams * events;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let round = 0; round < events; round++) {
    publish(round);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const deadline = Date.now() + 120_000;
  while (readers.messages < goal && Date.now() < deadline) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (readers.messages !== goal || readers.failed > 0)
    throw new Error(
      `broken benchmark: ${readers.messages - base} of ${streams * events} deliveries`,
    );
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  return {
    streams,
    events,
    cpuMicrosPerDelivery: Math.round(((cpu.user + cpu.system) / (streams * events)) * 10) / 10,
    wallMs: Math.round(wall),
  };
}

if (process.argv[2] === "--case") {
  const [, , , name, streams, events] = process.argv;
  console.log(JSON.stringify(await runCase(name!, Number(streams), Number(events))));
  process.exit(0);
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = cpuComparison(
    Number(process.argv[2] ?? 1000),
    Number(process.argv[3] ?? 40),
    Number(process.argv[4] ?? 3),
  );
  console.log(JSON.stringify(result));
  writeFileSync(join(root, "bench/relay-cpu-results.json"), `${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}
