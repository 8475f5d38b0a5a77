/**
 * A Connect server on 127.0.0.1 (the package's own `serve`) that replays a recorded stream to
 * every subscriber, chosen by the subscription's subject key, then holds the stream open.
 * Events are pre-built so the server's own cost does not dilute the consumers' ratios.
 */
import { create } from "@bufbuild/protobuf";
import {
  CatalogOp,
  type Event,
  EventSchema,
  StateChangeSubscription,
} from "../../src/gen/index.js";
import { serve } from "../../src/node/index.js";
import { EventPublisher } from "../../src/server/index.js";
import { endOfSnapshot } from "./events.js";

export const INSTANCES = 100;

/** A compact health event for instance `i` (the React benches' shape). */
export function smallHealth(index: bigint, i: number, round: number): Event {
  return create(EventSchema, {
    Index: index,
    Payload: {
      case: "ServiceHealth",
      value: {
        Op: CatalogOp.Register,
        CheckServiceNode: {
          Node: { Node: `node-${String(i).padStart(3, "0")}`, Address: `10.0.0.${i}` },
          Service: { ID: `web-${i}`, Service: "web", Port: 8080, Tags: [`r${round % 5}`] },
          Checks: [{ Status: ["passing", "warning", "critical"][round % 3]! }],
        },
      },
    },
  });
}

/** A snapshot of `INSTANCES` at index 1, then `live` events round-robin (last index live + 1). */
export function recording(live: number): Event[] {
  const events: Event[] = [];
  for (let i = 0; i < INSTANCES; i++) events.push(smallHealth(1n, i, 0));
  events.push(endOfSnapshot(1n));
  for (let n = 0; n < live; n++) events.push(smallHealth(BigInt(n + 2), n % INSTANCES, n + 1));
  return events;
}

/** Serves `streams[subjectKey]`; a subscription to an unknown key gets nothing and waits. */
export async function replayServer(streams: Record<string, readonly Event[]>) {
  return serve({
    publisher: new EventPublisher(),
    routes(router) {
      router.rpc(StateChangeSubscription.method.subscribe, async function* (req, ctx) {
        const key = req.Subject.case === "NamedSubject" ? req.Subject.value.Key : "";
        for (const event of streams[key] ?? []) yield event;
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
      });
    },
  });
}
