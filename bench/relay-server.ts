/**
 * The serving side of bench/relay.ts, in its own process (its own core and heap), driven over
 * IPC: `--relay <upstream URL>` runs the relay as the CLI does (`startRelayCli`); `--floor
 * <payload hex>` runs the bare-http2 floor and publishes itself, 100 events/s per key, each
 * event's index its publish time in µs since the epoch (so a reader in another process times
 * it). Answers "heap" (after two full collections), "cpu", "stats" and "snapshot" messages.
 */
import { writeHeapSnapshot } from "node:v8";
import { startRelayCli } from "../src/node/relay-cli.js";
import { type Floor, floorFrame, startFloor } from "./relay-floor.js";
import { epochMicros, KEYS, RATE } from "./relay-load.js";

const [mode, argument] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
/** Upstream streams (the relay) and downstream streams. */
let streams: () => { upstream: number; downstream: number };
let url: string;
let floor: Floor | undefined;
/** The floor publishes nothing while paused (the idle-stream memory measure). */
let paused = false;
if (mode === "--relay") {
  const running = await startRelayCli([
    "relay",
    ...["--upstream", argument!, "--port", "0"],
    ...["--max-streams-per-key", "1000000", "--max-streams-per-client", "1000000"],
  ]);
  url = running.url;
  streams = () => ({
    upstream: running.relay.stats().upstreamStreams,
    downstream: running.relay.stats().downstreamStreams,
  });
} else {
  const payload = Buffer.from(argument!, "hex");
  floor = await startFloor();
  url = floor.url;
  streams = () => ({ upstream: 0, downstream: floor!.streams });
  const started = floor;
  setInterval(() => {
    if (paused) return;
    for (let key = 0; key < KEYS; key++) {
      started.publish(key, floorFrame(BigInt(Math.round(epochMicros())), payload));
    }
  }, 1000 / RATE);
}

process.on("message", (message: { type: string; path?: string }) => {
  if (message.type === "heap") {
    gc();
    gc();
    const memory = process.memoryUsage();
    process.send!({ type: "heap", heapUsed: memory.heapUsed, rss: memory.rss });
  } else if (message.type === "cpu") {
    const { user, system } = process.cpuUsage();
    process.send!({ type: "cpu", ms: (user + system) / 1000 });
  } else if (message.type === "stats") {
    process.send!({ type: "stats", ...streams() });
  } else if (message.type === "pause" || message.type === "resume") {
    paused = message.type === "pause";
    process.send!({ type: message.type });
  } else if (message.type === "snapshot") {
    gc();
    process.send!({ type: "snapshot", path: writeHeapSnapshot(message.path) });
  }
});
// The benchmark's end (or crash) ends this process too.
process.on("disconnect", () => process.exit(0));
process.send!({ type: "listening", url });
