import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  type Event,
  EventSchema,
  type StateChangeSubscription,
  type SubscribeRequest,
} from "../gen/index.js";
import { acceptSubscription } from "./accepted-header.js";
import type { BufferItem } from "./event-buffer.js";
import type { EventPublisher } from "./event-publisher.js";
import type { EventFilter } from "./subscription.js";

/**
 * The Connect implementation of `subscribe.StateChangeSubscription` over an
 * {@link EventPublisher} (SPEC P2, S7, S8): resolves the token once, then streams one wire
 * event per buffer item until the client aborts or the publisher closes the subscription.
 *
 * @example
 * ```ts
 * const routes = (router: ConnectRouter) =>
 *   router.service(StateChangeSubscription, createSubscribeService(publisher));
 * ```
 */
export function createSubscribeService(
  publisher: EventPublisher,
): ServiceImpl<typeof StateChangeSubscription> {
  return {
    async *subscribe(request: SubscribeRequest, context: HandlerContext) {
      // Consul forwards by datacenter before it resolves the token.
      publisher.checkDatacenter(request);
      const filter = await publisher.authorize(request.Token, request);
      const subscription = publisher.subscribe(request);
      // Validated and authorized: tell the client now, a resumed quiet stream may send nothing.
      acceptSubscription(context);
      // Release on client abort even if the generator is parked in a `yield` whose write never
      // completes (a response destroyed mid-write): the publisher must not keep the buffer (S8).
      const release = () => subscription.unsubscribe();
      context.signal.addEventListener("abort", release, { once: true });
      try {
        for (;;) {
          // No reference to the item across the `yield`: a write that never completes (a client
          // that stopped reading) would keep every later item of the buffer alive (S4).
          const event = wireEvent(await subscription.next(context.signal), filter);
          if (event) yield event;
        }
      } finally {
        // Runs on client abort, server close and errors alike: no leaked subscription (S8).
        context.signal.removeEventListener("abort", release);
        subscription.unsubscribe();
      }
    },
  };
}

/**
 * The wire event of one item: its single event, or an `EventBatch` of all of them. Without a
 * filter (or when the filter keeps every event) the message is built once per item and shared
 * by all streams; events the filter rejects are dropped, framing events never are (S7).
 */
export function wireEvent(item: BufferItem, filter: EventFilter | undefined): Event | undefined {
  const events = item.events;
  if (!filter || isFraming(events[0]) || events.every(filter)) {
    item.wire ??= toWire(events);
    return item.wire;
  }
  const allowed = events.filter(filter);
  return allowed.length > 0 ? toWire(allowed) : undefined;
}

function toWire(events: readonly Event[]): Event {
  if (events.length === 1) return events[0]!;
  return create(EventSchema, {
    Index: events[0]!.Index,
    Payload: { case: "EventBatch", value: { Events: [...events] } },
  });
}

function isFraming(event: Event | undefined): boolean {
  const kind = event?.Payload.case;
  return kind === "EndOfSnapshot" || kind === "NewSnapshotToFollow";
}
