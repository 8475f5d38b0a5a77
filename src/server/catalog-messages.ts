import { create } from "@bufbuild/protobuf";
import { type CheckServiceNode, CheckServiceNodeSchema } from "../gen/index.js";
import type { InstanceSpec } from "./catalog-types.js";

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
