/**
 * Recorded-stream fixtures shared by the benchmarks: Consul-shaped health events (a node with
 * meta, a service with tags, weights and raft indexes, one check), framing events, and stream
 * clients that replay a prepared list (pre-decoded, or bytes decoded as they are read).
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  Materializer,
  RetryWaiter,
  type ServiceHealthFilter,
  ServiceHealthView,
  type StreamClient,
} from "../../src/core/index.js";
import {
  CatalogOp,
  type CheckServiceNode,
  type Event,
  EventSchema,
  SubscribeRequestSchema,
  Topic,
} from "../../src/gen/index.js";

const STATUS = ["passing", "warning", "critical"];

/** Instance `instance` of service "web" at `index`; `round` varies tags and check status. */
export function healthEvent(index: bigint, instance: number, round: number): Event {
  const node = `node-${instance % 200}`;
  const id = `web-${instance}`;
  return create(EventSchema, {
    Index: index,
    Payload: {
      case: "ServiceHealth",
      value: {
        Op: CatalogOp.Register,
        CheckServiceNode: {
          Node: {
            ID: node,
            Node: node,
            Address: `10.0.${instance % 250}.1`,
            Datacenter: "dc1",
            Meta: { rack: `r${instance % 3}` },
          },
          Service: {
            ID: id,
            Service: "web",
            Tags: round % 2 ? ["v1", "primary"] : ["v2"],
            Port: 8000 + (instance % 1000),
            Weights: { Passing: 1, Warning: 1 },
            RaftIndex: { CreateIndex: 1n, ModifyIndex: index },
          },
          Checks: [
            {
              Node: node,
              CheckID: `service:${id}`,
              Name: "check",
              Status: STATUS[round % 3]!,
              ServiceID: id,
              ServiceName: "web",
              RaftIndex: { CreateIndex: 1n, ModifyIndex: index },
            },
          ],
        },
      },
    },
  });
}

export const endOfSnapshot = (index: bigint): Event =>
  create(EventSchema, { Index: index, Payload: { case: "EndOfSnapshot", value: true } });

export const encode = (event: Event): Uint8Array => toBinary(EventSchema, event);
export const decode = (bytes: Uint8Array): Event => fromBinary(EventSchema, bytes);

/** The instance a decoded health event carries. */
export const csnOf = (event: Event): CheckServiceNode | undefined =>
  event.Payload.case === "ServiceHealth" ? event.Payload.value.CheckServiceNode : undefined;

/** Wire bytes of a snapshot of `instances` at index 1, then `live` events round-robin. */
export function recordedStream(instances: number, live: number): Uint8Array[] {
  const wire: Uint8Array[] = [];
  for (let i = 0; i < instances; i++) wire.push(encode(healthEvent(1n, i, 0)));
  wire.push(encode(endOfSnapshot(1n)));
  for (let i = 0; i < live; i++)
    wire.push(encode(healthEvent(BigInt(i + 2), i % instances, Math.floor(i / instances) + 1)));
  return wire;
}

/** Replays a prepared list; `gate` (awaited before item `at`) lets a bench time a part alone. */
export function replay(
  source: readonly Event[] | readonly Uint8Array[],
  gate?: Promise<void>,
  at = 0,
): StreamClient {
  return {
    async *subscribe() {
      for (let i = 0; i < source.length; i++) {
        if (i === at && gate) await gate;
        const item = source[i]!;
        yield item instanceof Uint8Array ? decode(item) : item;
      }
    },
  };
}

export function healthMaterializer(
  client: StreamClient,
  options?: ServiceHealthFilter,
): Materializer<{
  readonly nodes: readonly CheckServiceNode[];
  readonly index: bigint;
}> {
  return new Materializer({
    view: new ServiceHealthView(options),
    client,
    waiter: new RetryWaiter({ random: () => 0 }),
    request: (index) =>
      create(SubscribeRequestSchema, { Topic: Topic.ServiceHealth, Index: index }),
  });
}

/** Resolves once `materializer` has applied `index` (checked at every notification). */
export function reached(
  materializer: { index: bigint; subscribe(l: () => void): () => void },
  index: bigint,
): Promise<void> {
  return new Promise((resolve) => {
    if (materializer.index === index) return resolve();
    const off = materializer.subscribe(() => {
      if (materializer.index === index) {
        off();
        resolve();
      }
    });
  });
}
