/**
 * What the relay must know about a topic to keep its current state and answer snapshots from
 * it (SPEC L1, L2): the identity of the object each event changes, whether the event removes
 * it, and how to write that removal. Health and service-list topics are built in; a topic
 * without an entry is relayed stream by stream (no sharing).
 */
import { create } from "@bufbuild/protobuf";
import { uniqueId } from "../core/service-health-view.js";
import { CatalogOp, type Event, EventSchema, Topic } from "../gen/index.js";

export interface RelayTopic {
  /** The identity of the object `event` changes: a Register and its Deregister share it. */
  key(event: Event): string;
  /** Whether `event` removes its object (Deregister). */
  isDelete(event: Event): boolean;
  /** An event at `index` removing the object whose current event is `current`. */
  deletion(current: Event, index: bigint): Event;
}

/** Thrown for a payload the topic cannot hold: the upstream stream is resubscribed (M5). */
function unexpected(event: Event, topic: string): never {
  throw new Error(`relay: a ${event.Payload.case ?? "empty"} payload on the ${topic} topic`);
}

const serviceHealth: RelayTopic = {
  key(event) {
    const payload = event.Payload;
    if (payload.case !== "ServiceHealth") unexpected(event, "health");
    return uniqueId(payload.value.CheckServiceNode ?? ({} as never));
  },
  isDelete: (event) =>
    event.Payload.case === "ServiceHealth" && event.Payload.value.Op === CatalogOp.Deregister,
  deletion(current, index) {
    const payload = current.Payload;
    if (payload.case !== "ServiceHealth") unexpected(current, "health");
    return create(EventSchema, {
      Index: index,
      Payload: {
        case: "ServiceHealth",
        value: { Op: CatalogOp.Deregister, CheckServiceNode: payload.value.CheckServiceNode },
      },
    });
  },
};

const serviceList: RelayTopic = {
  key(event) {
    const payload = event.Payload;
    if (payload.case !== "Service") unexpected(event, "service list");
    const { Name, PeerName, EnterpriseMeta } = payload.value;
    return `${EnterpriseMeta?.Partition ?? ""}/${EnterpriseMeta?.Namespace ?? ""}/${PeerName}/${Name}`;
  },
  isDelete: (event) =>
    event.Payload.case === "Service" && event.Payload.value.Op === CatalogOp.Deregister,
  deletion(current, index) {
    const payload = current.Payload;
    if (payload.case !== "Service") unexpected(current, "service list");
    return create(EventSchema, {
      Index: index,
      Payload: { case: "Service", value: { ...payload.value, Op: CatalogOp.Deregister } },
    });
  },
};

/** The topics a relay shares out of the box. */
export const defaultRelayTopics: ReadonlyMap<Topic, RelayTopic> = new Map([
  [Topic.ServiceHealth, serviceHealth],
  [Topic.ServiceHealthConnect, serviceHealth],
  [Topic.ServiceList, serviceList],
]);
