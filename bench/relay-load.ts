/**
 * Load for the relay benchmarks (issue 11): Subscribe requests of the benchmark's keys, raw
 * HTTP/2 gRPC readers that count messages without decoding them (the cheapest client, the same
 * for the relay and the bare-http2 floor), a live event's payload to give the floor the same
 * bytes, and percentiles.
 */
import * as http2 from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  EventSchema,
  StateChangeSubscription,
  type SubscribeRequest,
  SubscribeRequestSchema,
  Topic,
} from "../src/gen/index.js";
import type { HealthCatalog } from "../src/server/index.js";

export const KEYS = 10;
export const RATE = 100; // events per second per key
export const services = Array.from({ length: KEYS }, (_, i) => `svc-${i}`);

export const request = (service: string): SubscribeRequest =>
  create(SubscribeRequestSchema, {
    Topic: Topic.ServiceHealth,
    Subject: { case: "NamedSubject", value: { Key: service } },
  });

/** Each key's request body, enveloped: what every raw reader of that key sends. */
export const bodies = services.map((service) =>
  envelope(toBinary(SubscribeRequestSchema, request(service))),
);

export function envelope(message: Uint8Array): Buffer {
  const body = Buffer.alloc(5 + message.length);
  body.writeUInt32BE(message.length, 1);
  body.set(message, 5);
  return body;
}

/** An `Event` message: `Index` then `payload` (an event's other fields, already encoded). */
export function eventMessage(index: bigint, payload: Uint8Array): Buffer {
  const head = new BinaryWriter().tag(1, 0).uint64(index).finish();
  return Buffer.concat([head, payload]);
}

/** Registers 5 instances per key (the benchmark's catalog). */
export function populate(catalog: HealthCatalog): void {
  for (const service of services)
    for (let i = 0; i < 5; i++) catalog.register({ node: `n${i}`, service, id: `${service}-${i}` });
}

/** One status flip of every key; returns the indexes. */
export function flipAll(catalog: HealthCatalog, round: number): bigint[] {
  return services.map((service) =>
    catalog.setStatus("n0", `${service}-0`, round % 2 ? "warning" : "passing"),
  );
}

/**
 * A live event's payload as the upstream streams it (everything but its index), read from a
 * real stream: the floor sends the same bytes.
 */
export async function livePayload(url: string, catalog: HealthCatalog): Promise<Uint8Array> {
  const client = createClient(StateChangeSubscription, createGrpcTransport({ baseUrl: url }));
  const stop = new AbortController();
  let live = false;
  for await (const event of client.subscribe(request(services[0]!), { signal: stop.signal })) {
    if (event.Payload.case === "EndOfSnapshot") {
      live = true;
      flipAll(catalog, 1);
    } else if (live) {
      stop.abort();
      return toBinary(EventSchema, create(EventSchema, { Payload: event.Payload }));
    }
  }
  throw new Error("no live event");
}

/** Raw gRPC readers over a few HTTP/2 sessions; messages are counted, not decoded. */
export class Readers {
  messages = 0;
  failed = 0;
  opened = 0;
  readonly #sessions: http2.ClientHttp2Session[];

  constructor(url: string, sessions = 8) {
    this.#sessions = Array.from({ length: sessions }, () => {
      const session = http2.connect(url, { settings: { initialWindowSize: 1 << 20 } });
      session.on("error", () => {});
      return session;
    });
  }

  /** Opens `count` more streams, spread over the keys; resolves once each has its headers. */
  open(count: number): Promise<void> {
    const ready: Promise<void>[] = [];
    for (let i = 0; i < count; i++, this.opened++) {
      const stream = this.#sessions[this.opened % this.#sessions.length]!.request({
        ":method": "POST",
        ":path": "/subscribe.StateChangeSubscription/Subscribe",
        "content-type": "application/grpc+proto",
        te: "trailers",
      });
      stream.end(bodies[this.opened % KEYS]);
      let pending: Buffer | undefined;
      ready.push(
        new Promise((resolve) => {
          stream.once("response", () => resolve());
          stream.once("close", () => resolve());
        }),
      );
      stream.on("data", (chunk: Buffer) => {
        let data = pending ? Buffer.concat([pending, chunk]) : chunk;
        while (data.length >= 5) {
          const length = data.readUInt32BE(1);
          if (data.length < 5 + length) break;
          data = data.subarray(5 + length);
          this.messages++;
        }
        pending = data.length > 0 ? data : undefined;
      });
      stream.on("error", () => this.failed++);
      stream.on("trailers", (trailers) => {
        if (trailers["grpc-status"] !== "0") this.failed++;
      });
      stream.on("response", (headers) => {
        if (headers["grpc-status"] !== undefined && headers["grpc-status"] !== "0") this.failed++;
      });
    }
    return Promise.all(ready).then(() => undefined);
  }

  close(): void {
    for (const session of this.#sessions) session.destroy();
  }
}

/**
 * Probe streams (one per key) that decode every event and report its latency: `latencyOf`
 * maps an event's index to milliseconds since it was published (undefined: not a timed event).
 * Events count from the end of the snapshot, or from the first without `snapshots`.
 */
export function probes(
  url: string,
  latencyOf: (index: bigint) => number | undefined,
  samples: { current: number[] },
  snapshots = true,
): () => void {
  const session = http2.connect(url);
  session.on("error", () => {});
  for (const body of bodies) {
    const stream = session.request({
      ":method": "POST",
      ":path": "/subscribe.StateChangeSubscription/Subscribe",
      "content-type": "application/grpc+proto",
      te: "trailers",
    });
    stream.end(body);
    let pending: Buffer | undefined;
    let live = !snapshots; // the floor sends no snapshot
    stream.on("data", (chunk: Buffer) => {
      let data = pending ? Buffer.concat([pending, chunk]) : chunk;
      while (data.length >= 5) {
        const length = data.readUInt32BE(1);
        if (data.length < 5 + length) break;
        const event = fromBinary(EventSchema, data.subarray(5, 5 + length));
        data = data.subarray(5 + length);
        if (event.Payload.case === "EndOfSnapshot") live = true;
        else if (live) {
          const latency = latencyOf(event.Index);
          if (latency !== undefined) samples.current.push(latency);
        }
      }
      pending = data.length > 0 ? data : undefined;
    });
    stream.on("error", () => {});
  }
  return () => session.destroy();
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const round2 = (n: number) => Math.round(n * 100) / 100;

/** Wall-clock microseconds since the epoch, comparable across processes on one machine. */
export const epochMicros = () => (performance.timeOrigin + performance.now()) * 1000;
