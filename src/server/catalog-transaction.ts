/**
 * One catalog transaction being staged: the catalog's rules for which events a change emits
 * (a port of Consul's agent/consul/state/catalog_events.go for this catalog's model).
 */
import { CatalogOp, type CheckServiceNode, Topic } from "../gen/index.js";
import {
  checkServiceNode,
  connectSubjectKeys,
  instanceId,
  serviceListEvent,
} from "./catalog-messages.js";
import { type CatalogState, CatalogWrites, type Entry } from "./catalog-state.js";
import type { InstanceSpec } from "./catalog-types.js";
import { subjectKey } from "./subjects.js";
import type { PublishEvent } from "./types.js";

/**
 * Stages the operations of one transaction at `index` over a {@link CatalogState}: reads see
 * the staged writes, nothing changes until `writes.commit()`, and `events` lists what to
 * publish (SPEC S3: every event shares the index).
 */
export class StagedTransaction {
  readonly index: bigint;
  readonly writes: CatalogWrites;
  readonly events: PublishEvent[] = [];
  readonly #state: CatalogState;
  readonly #datacenter: string;

  constructor(state: CatalogState, datacenter: string, index: bigint) {
    this.#state = state;
    this.#datacenter = datacenter;
    this.index = index;
    this.writes = new CatalogWrites(state);
  }

  register(spec: InstanceSpec): void {
    const { index, writes } = this;
    // NodeService.Port is an int32 on the wire: any other number would be stored, then fail to
    // encode in every stream and snapshot of its subjects (P1, S3). Refuse it while staging.
    const port = spec.port ?? 0;
    if (!Number.isInteger(port) || port < -(2 ** 31) || port >= 2 ** 31) {
      throw new Error(`register: port ${port} of ${spec.service} is not an int32`);
    }
    const serviceId = spec.id ?? spec.service;
    const peer = spec.peer ?? "";
    const id = instanceId(spec.node, serviceId, peer);
    const previous = writes.instance(id);
    const moved =
      previous !== undefined && previous.spec.service.toLowerCase() !== spec.service.toLowerCase();
    // Renaming an instance's service moves it: deregister it from the old subjects first.
    if (moved) this.deregister(id);
    const updated = previous !== undefined && !moved;
    const createIndex = updated ? (previous.csn.Service?.RaftIndex?.CreateIndex ?? index) : index;
    const csn = checkServiceNode(spec, this.#datacenter, serviceId, peer, createIndex, index);
    const connect = connectSubjectKeys(spec);
    if (updated) {
      // A connect subject the instance leaves gets a Deregister of its old state (Consul's
      // isConnectProxyDestinationServiceChange and terminating-gateway link deletes; fix:
      // Consul sends none when a service stops being Connect-native).
      for (const subject of connectSubjectKeys(previous.spec)) {
        if (connect.includes(subject)) continue;
        this.#place(id, previous.csn, CatalogOp.Deregister, Topic.ServiceHealthConnect, subject);
      }
    }
    writes.setInstance(id, { spec, csn });
    this.#emit(id, { spec, csn }, CatalogOp.Register, connect);
    if (updated) return;

    const listKey = subjectKey(spec.service, peer);
    const listed = writes.service(listKey);
    if (listed) {
      writes.setService(listKey, { ...listed, count: listed.count + 1 });
      return;
    }
    writes.setService(listKey, { name: spec.service, peer, count: 1 });
    this.events.push(serviceListEvent(CatalogOp.Register, spec.service, peer, index));
  }

  /** Deregisters the instance `id` (see `instanceId`); a no-op when it is not registered. */
  deregister(id: string): void {
    const { writes } = this;
    const entry = writes.instance(id);
    if (!entry) return;
    writes.setInstance(id, undefined);
    this.#emit(id, entry, CatalogOp.Deregister, connectSubjectKeys(entry.spec));
    const peer = entry.spec.peer ?? "";
    const listKey = subjectKey(entry.spec.service, peer);
    const listed = writes.service(listKey);
    if (!listed) return;
    if (listed.count > 1) {
      writes.setService(listKey, { ...listed, count: listed.count - 1 });
      return;
    }
    writes.setService(listKey, undefined);
    this.events.push(serviceListEvent(CatalogOp.Deregister, listed.name, peer, this.index));
  }

  /** Stages the instance's rows and queues one event per subject it belongs to. */
  #emit(id: string, entry: Entry, op: CatalogOp, connect: readonly string[]): void {
    const service = subjectKey(entry.spec.service, entry.spec.peer ?? "");
    this.#place(id, entry.csn, op, Topic.ServiceHealth, service);
    for (const subject of connect) {
      this.#place(id, entry.csn, op, Topic.ServiceHealthConnect, subject);
    }
  }

  #place(id: string, csn: CheckServiceNode, op: CatalogOp, topic: Topic, subject: string): void {
    const table = topic === Topic.ServiceHealth ? this.#state.health : this.#state.connect;
    this.writes.setRow(table, subject, id, op === CatalogOp.Register ? csn : undefined);
    this.events.push({
      topic,
      subject,
      index: this.index,
      payload: { case: "ServiceHealth", value: { Op: op, CheckServiceNode: csn } },
    });
  }
}
