/**
 * Event builders for scripted streams (SPEC P3, P5): ServiceHealth register, deregister, check
 * status change and batches as valid `Event` messages, and `event()` for any other topic.
 */
import { create } from "@bufbuild/protobuf";
import { CatalogOp, type Event, EventSchema } from "../gen/index.js";
import { checkServiceNode } from "../server/catalog-messages.js";
import type { HealthStatus, InstanceSpec } from "../server/catalog-types.js";
import type { EventPayload } from "../server/types.js";

/** An index as a test writes it: `10` or `10n`. */
export type IndexLike = number | bigint;

/** Converts an {@link IndexLike} to the protocol's exact `bigint` (SPEC P4). */
export function toIndex(index: IndexLike): bigint {
  return typeof index === "bigint" ? index : BigInt(index);
}

/**
 * An event with any payload, for any topic: pass the payload oneof as `create(EventSchema)`
 * accepts it. This is how a test scripts a topic the kit has no builder for.
 *
 * @example
 * ```ts
 * event({ case: "Service", value: { Op: CatalogOp.Register, Name: "web" } });
 * event({ case: "ConfigEntry", value: { Op: 0, ConfigEntry: bytes } }, 12);
 * ```
 */
export function event(payload: EventPayload, index: IndexLike = 0): Event {
  return create(EventSchema, { Index: toIndex(index), Payload: payload });
}

/**
 * A ServiceHealth `Register` event for one instance, with the `CheckServiceNode` Consul would
 * publish (one service check whose status is `instance.status`, default "passing"). The index
 * is set by the stream step that sends it; pass one only to build a standalone message.
 */
export function register(instance: InstanceSpec, index: IndexLike = 0): Event {
  return healthEvent(CatalogOp.Register, instance, index);
}

/** A ServiceHealth `Deregister` event for one instance (identified by node and service ID). */
export function deregister(instance: InstanceSpec, index: IndexLike = 0): Event {
  return healthEvent(CatalogOp.Deregister, instance, index);
}

/** A check status change: Consul publishes it as a `Register` of the instance with the new status. */
export function setStatus(
  instance: InstanceSpec,
  status: HealthStatus,
  index: IndexLike = 0,
): Event {
  return healthEvent(CatalogOp.Register, { ...instance, status }, index);
}

/**
 * One atomic change of several events (an `EventBatch`); its members share the batch's index
 * (SPEC P5). `push(index, a, b)` on a stream builds the same thing.
 */
export function batch(events: readonly Event[], index: IndexLike = 0): Event {
  const at = toIndex(index);
  return create(EventSchema, {
    Index: at,
    Payload: { case: "EventBatch", value: { Events: events.map((e) => atIndex(e, at)) } },
  });
}

/**
 * `count` passing instances of `service` (`<service>-0` … on nodes `node-0` …): the default
 * data of the built-in scenarios.
 */
export function instances(service: string, count = 3): InstanceSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    node: `node-${i}`,
    service,
    id: `${service}-${i}`,
    address: `10.0.0.${i + 1}`,
    port: 8080,
    tags: ["v1"],
  }));
}

/** The same event at another index (a copy; events are immutable once sent). */
export function atIndex(event: Event, index: bigint): Event {
  if (event.Index === index) return event;
  return create(EventSchema, { Index: index, Payload: event.Payload });
}

function healthEvent(op: CatalogOp, instance: InstanceSpec, index: IndexLike): Event {
  const at = toIndex(index);
  const id = instance.id ?? instance.service;
  const csn = checkServiceNode(
    instance,
    instance.datacenter ?? "dc1",
    id,
    instance.peer ?? "",
    at,
    at,
  );
  return event({ case: "ServiceHealth", value: { Op: op, CheckServiceNode: csn } }, at);
}
