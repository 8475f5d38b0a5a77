/**
 * `npx tsx bench/relay-cpu.ts [streams] [events]`: CPU time per delivered event with the relay,
 * the upstream and raw HTTP/2 readers in one process (h2c, as Node clients connect). Wall-clock
 * latency depends on what else runs on the machine; CPU per delivery much less so: one core
 * holds about 1 s / (cost × events per second per stream) streams. Writes
 * bench/relay-cpu-results.json, which bench/relay.ts folds into docs/RELAY-BENCHMARKS.md.
 */
import { writeFileSync } from "node:fs";
import * as http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { SubscribeRequestSchema, Topic } from "../src/gen/index.js";
import { Relay, serve } from "../src/node/index.js";
import { EventPublisher, HealthCatalog } from "../src/server/index.js";

const N = Number(process.argv[2] ?? 1000),
  EVENTS = Number(process.argv[3] ?? 50);
const services = Array.from({ length: 10 }, (_, i) => `svc-${i}`);
const publisher = new EventPublisher();
const catalog = new HealthCatalog(publisher);
for (const s of services)
  for (let i = 0; i < 5; i++) catalog.register({ node: `n${i}`, service: s, id: `${s}-${i}` });
const upstream = await serve({ publisher });
const relay = new Relay({
  upstream: createGrpcTransport({ baseUrl: upstream.url }),
  maxStreamsPerKey: 1e6,
});
const rs = await serve({ server: relay });
const sessions = Array.from({ length: 8 }, () => http2.connect(rs.url));
let messages = 0;
let goal = 0;
let resolveGoal = () => {};
const bodies = services.map((s) => {
  const m = toBinary(
    SubscribeRequestSchema,
    create(SubscribeRequestSchema, {
      Topic: Topic.ServiceHealth,
      Subject: { case: "NamedSubject", value: { Key: s } },
    }),
  );
  const b = Buffer.alloc(5 + m.length);
  b.writeUInt32BE(m.length, 1);
  b.set(m, 5);
  return b;
});
const ready: Promise<void>[] = [];
for (let i = 0; i < N; i++) {
  const st = sessions[i % 8]!.request({
    ":method": "POST",
    ":path": "/subscribe.StateChangeSubscription/Subscribe",
    "content-type": "application/grpc+proto",
    te: "trailers",
  });
  st.end(bodies[i % 10]);
  let pending: Buffer = Buffer.alloc(0);
  ready.push(new Promise((r) => st.once("data", () => r())));
  st.on("data", (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 5) {
      const len = pending.readUInt32BE(1);
      if (pending.length < 5 + len) break;
      pending = pending.subarray(5 + len);
      messages++;
    }
    if (goal && messages >= goal) resolveGoal();
  });
}
await Promise.all(ready);
await new Promise((r) => setTimeout(r, 1000));
const base = messages;
goal = base + N * EVENTS;
const done = new Promise<void>((r) => {
  resolveGoal = r;
});
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let flip = 0;
for (let k = 0; k < EVENTS; k++) {
  flip++;
  for (const s of services) catalog.setStatus("n0", `${s}-0`, flip % 2 ? "warning" : "passing");
  await new Promise((r) => setImmediate(r));
}
await done;
const cpu = process.cpuUsage(cpu0);
const wall = performance.now() - t0;
const perDelivery = (cpu.user + cpu.system) / (N * EVENTS);
const result = {
  date: new Date().toISOString(),
  streams: N,
  eventsPerStream: EVENTS,
  wallMs: Math.round(wall),
  cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  cpuMicrosPerDelivery: Math.round(perDelivery * 10) / 10,
  streamsPerCoreAt100PerSecond: Math.floor(1_000_000 / (perDelivery * 100)),
};
console.log(JSON.stringify(result));
writeFileSync(
  new URL("./relay-cpu-results.json", import.meta.url),
  `${JSON.stringify(result, null, 2)}\n`,
);
process.exit(0);
