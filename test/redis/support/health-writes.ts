/**
 * Writers' side of the Redis tests: ServiceHealth register/deregister writes for a small
 * instance model, and the model's state at each index (replayed in index order), rendered as the
 * rows a `ServiceHealthView` shows (sorted by node, then service ID).
 */
import { create } from "@bufbuild/protobuf";
import { compareBytes } from "react-submatview/core";
import { CatalogOp, type CheckServiceNode, CheckServiceNodeSchema } from "react-submatview/gen";
import { type RedisWrite, serviceHealthWrite } from "react-submatview/server/node";

export interface Instance {
  readonly service: string;
  readonly node: string;
  readonly id: string;
  readonly status: string;
}

export function checkServiceNode({ service, node, id, status }: Instance): CheckServiceNode {
  return create(CheckServiceNodeSchema, {
    Node: { ID: node, Node: node, Address: "127.0.0.1", Datacenter: "dc1" },
    Service: { ID: id, Service: service, Port: 8080, Weights: { Passing: 1, Warning: 1 } },
    Checks: [
      { Node: node, CheckID: `service:${id}`, ServiceID: id, ServiceName: service, Status: status },
    ],
  });
}

export const register = (instance: Instance): RedisWrite =>
  serviceHealthWrite(CatalogOp.Register, checkServiceNode(instance));

export const deregister = (instance: Instance): RedisWrite =>
  serviceHealthWrite(CatalogOp.Deregister, checkServiceNode(instance));

/** A transaction as the writers appended it: its index and its writes' effect. */
export interface Applied {
  readonly index: bigint;
  readonly changes: ReadonlyArray<{ readonly instance: Instance; readonly removed: boolean }>;
}

/** One row as the view shows it. */
export const row = (node: string, id: string, status: string) => `${node}/${id}/${status}`;

export const viewRows = (nodes: readonly CheckServiceNode[]) =>
  nodes.map((n) => row(n.Node?.Node ?? "", n.Service?.ID ?? "", n.Checks[0]?.Status ?? "")).join();

/**
 * The writers' state per service at every index: replays `applied` in index order (Redis's
 * order, whatever order the appends were issued in).
 */
export class WriterHistory {
  readonly #byService = new Map<string, Array<{ index: bigint; rows: string }>>();

  constructor(services: readonly string[], applied: readonly Applied[]) {
    const state = new Map<string, Map<string, Instance>>(services.map((s) => [s, new Map()]));
    for (const s of services) this.#byService.set(s, [{ index: 0n, rows: "" }]);
    for (const tx of [...applied].sort((a, b) => (a.index < b.index ? -1 : 1))) {
      for (const { instance, removed } of tx.changes) {
        const rows = state.get(instance.service)!;
        const key = `${instance.node}\u0000${instance.id}`;
        if (removed) rows.delete(key);
        else rows.set(key, instance);
      }
      for (const service of services) {
        const rows = [...state.get(service)!.values()]
          .sort((a, b) => compareBytes(a.node, b.node) || compareBytes(a.id, b.id))
          .map((i) => row(i.node, i.id, i.status))
          .join();
        const history = this.#byService.get(service)!;
        if (history.at(-1)!.rows !== rows) history.push({ index: tx.index, rows });
      }
    }
  }

  /** The rows of `service` in the writers' state at `index`. */
  at(service: string, index: bigint): string {
    return this.#byService
      .get(service)!
      .filter((h) => h.index <= index)
      .at(-1)!.rows;
  }
}
