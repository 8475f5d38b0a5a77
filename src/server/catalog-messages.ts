/** The messages and subjects the health catalog publishes for an instance (Consul's catalog events). */
import { create } from "@bufbuild/protobuf";
import {
  type CatalogOp,
  type CheckServiceNode,
  CheckServiceNodeSchema,
  Topic,
} from "../gen/index.js";
import type { InstanceSpec } from "./catalog-types.js";
import { subjectKey } from "./subjects.js";
import type { PublishEvent } from "./types.js";

/** Consul's `CheckServiceNode.UniqueID()` in the default partition and namespace. */
export function instanceId(node: string, serviceId: string, peer = ""): string {
  return `/${peer}/${node}//${serviceId}`;
}

/**
 * The ServiceHealthConnect subject keys an instance is published under, without duplicates
 * (subjects ignore case, S2): a proxy under its destination, a terminating gateway under each
 * service it links, a Connect-native service under its own name (Consul's
 * `connectEventsByServiceKind` and the services table's connect index).
 */
export function connectSubjectKeys(spec: InstanceSpec): readonly string[] {
  const peer = spec.peer ?? "";
  if (spec.kind === "connect-proxy" && spec.proxyDestination) {
    return [subjectKey(spec.proxyDestination, peer)];
  }
  if (spec.kind === "terminating-gateway") {
    return [...new Set((spec.gatewayServices ?? []).map((name) => subjectKey(name, peer)))];
  }
  return spec.connectNative ? [subjectKey(spec.service, peer)] : [];
}

export function serviceListEvent(
  op: CatalogOp,
  name: string,
  peer: string,
  index: bigint,
): PublishEvent {
  return {
    topic: Topic.ServiceList,
    subject: subjectKey(name, peer),
    index,
    payload: { case: "Service", value: { Op: op, Name: name, PeerName: peer } },
  };
}

/** The `CheckServiceNode` Consul would publish for an instance spec at `index`. */
export function checkServiceNode(
  spec: InstanceSpec,
  datacenter: string,
  serviceId: string,
  peer: string,
  createIndex: bigint,
  index: bigint,
): CheckServiceNode {
  const raft = { CreateIndex: createIndex, ModifyIndex: index };
  return create(CheckServiceNodeSchema, {
    Node: {
      ID: spec.node,
      Node: spec.node,
      Address: spec.address ?? "127.0.0.1",
      Datacenter: spec.datacenter ?? datacenter,
      Meta: { ...spec.nodeMeta },
      PeerName: peer,
      RaftIndex: raft,
    },
    Service: {
      Kind: spec.kind ?? "",
      ID: serviceId,
      Service: spec.service,
      Tags: [...(spec.tags ?? [])],
      Address: spec.address ?? "",
      Meta: { ...spec.meta },
      Port: spec.port ?? 0,
      Weights: { Passing: 1, Warning: 1 },
      PeerName: peer,
      RaftIndex: raft,
    },
    Checks: [
      {
        Node: spec.node,
        CheckID: `service:${serviceId}`,
        Name: `Service '${spec.service}' check`,
        Status: spec.status ?? "passing",
        ServiceID: serviceId,
        ServiceName: spec.service,
        ServiceTags: [...(spec.tags ?? [])],
        Type: "ttl",
        PeerName: peer,
        RaftIndex: raft,
      },
    ],
  });
}
