/** HealthCatalog: an in-memory Consul service catalog that publishes health events. */
import { CatalogOp, type CheckServiceNode, type SubscribeRequest, Topic } from "../gen/index.js";
import { instanceId, serviceListEvent } from "./catalog-messages.js";
import { CatalogSimulation } from "./catalog-simulation.js";
import { CatalogState, type SubjectTable } from "./catalog-state.js";
import { StagedTransaction } from "./catalog-transaction.js";
import type {
  CatalogTransaction,
  HealthCatalogOptions,
  HealthStatus,
  InstanceSpec,
  SimulationOptions,
} from "./catalog-types.js";
import type { EventPublisher } from "./event-publisher.js";
import { requestSubject, subjectKey } from "./subjects.js";
import type { SnapshotEvent } from "./types.js";

export { instanceId } from "./catalog-messages.js";

/**
 * An in-memory Consul catalog of service instances that publishes `ServiceHealth`,
 * `ServiceHealthConnect` and `ServiceList` events through an {@link EventPublisher} in
 * transactions with strictly increasing indexes, and answers those topics' snapshots.
 * It drives the demo server, the stories (in the browser) and the tests.
 *
 * A transaction is all-or-nothing (SPEC S3, S5): its operations are staged, and only once it
 * returns are its events published and its writes applied; a transaction that throws (or whose
 * publish fails) changes nothing. No transaction ever takes an index a snapshot has already
 * reported, including the index 1 of an empty catalog's snapshot (P5, S6).
 */
export class HealthCatalog {
  readonly #publisher: EventPublisher;
  readonly #datacenter: string;
  readonly #state = new CatalogState();
  /** The highest index a snapshot of this catalog has reported. */
  #reported = 0n;
  #inTransaction = false;
  #simulation = new CatalogSimulation(this);

  constructor(publisher: EventPublisher, options: HealthCatalogOptions = {}) {
    this.#publisher = publisher;
    this.#datacenter = options.datacenter ?? publisher.datacenter;
    publisher.registerTopic(Topic.ServiceHealth, (req, append) =>
      this.#snapshot(this.#state.health, req, append),
    );
    publisher.registerTopic(Topic.ServiceHealthConnect, (req, append) =>
      this.#snapshot(this.#state.connect, req, append),
    );
    publisher.registerTopic(
      Topic.ServiceList,
      (_req, append) => this.#serviceListSnapshot(append),
      {
        wildcard: true,
      },
    );
  }

  /**
   * The index of the catalog's state: the publisher's last index, or the index a snapshot
   * reported for it if that is higher (an empty catalog's snapshot reports 1, P5).
   */
  get index(): bigint {
    // Snapshots of other topics on a shared publisher raise its floor too (P5).
    let index = this.#publisher.index;
    if (this.#publisher.reportedIndex > index) index = this.#publisher.reportedIndex;
    if (this.#reported > index) index = this.#reported;
    return index;
  }

  /**
   * Applies `fn`'s operations as one transaction at the next index and publishes its events.
   * Returns the new index, or the current one when nothing changed. If `fn` throws, nothing
   * changes and the error propagates. Transactions do not nest.
   */
  transaction(fn: (tx: CatalogTransaction) => void): bigint {
    if (this.#inTransaction) {
      throw new Error(
        "HealthCatalog: nested transaction; use the `tx` passed to transaction() instead",
      );
    }
    const txn = new StagedTransaction(this.#state, this.#datacenter, this.index + 1n);
    let open = true;
    const live = () => {
      if (!open) throw new Error("HealthCatalog: this transaction has already finished");
      return txn;
    };
    const tx: CatalogTransaction = {
      register: (instance) => live().register(instance),
      deregister: (node, serviceId, peer = "") =>
        live().deregister(instanceId(node, serviceId, peer)),
      setStatus: (node, serviceId, status, peer = "") => {
        const entry = live().writes.instance(instanceId(node, serviceId, peer));
        if (!entry) throw new Error(`setStatus: no instance ${serviceId} on node ${node}`);
        txn.register({ ...entry.spec, status });
      },
    };
    this.#inTransaction = true;
    try {
      fn(tx);
    } finally {
      open = false;
      this.#inTransaction = false;
    }
    if (txn.events.length === 0) return this.index;
    if (txn.index <= this.index) {
      // `fn` made a snapshot of this catalog, or another source publish, at our index.
      throw new Error("HealthCatalog: the index moved during the transaction; retry it");
    }
    // Publish first: if the publisher refuses the transaction, nothing was applied.
    this.#publisher.publish(txn.events);
    txn.writes.commit();
    return txn.index;
  }

  register(instance: InstanceSpec): bigint {
    return this.transaction((tx) => tx.register(instance));
  }

  deregister(node: string, serviceId: string, peer = ""): bigint {
    return this.transaction((tx) => tx.deregister(node, serviceId, peer));
  }

  setStatus(node: string, serviceId: string, status: HealthStatus, peer = ""): bigint {
    return this.transaction((tx) => tx.setStatus(node, serviceId, status, peer));
  }

  /** Current instances of a service (as a health or connect view would show them, unfiltered). */
  instances(
    service: string,
    options: { peer?: string; connect?: boolean } = {},
  ): CheckServiceNode[] {
    const table = options.connect ? this.#state.connect : this.#state.health;
    return [...(table.get(subjectKey(service, options.peer ?? ""))?.values() ?? [])];
  }

  /** Names of the services with at least one instance, sorted. */
  serviceNames(): string[] {
    return [...this.#state.sortedNames()];
  }

  /** How many entries {@link serviceNames} holds. */
  serviceNameCount(): number {
    return this.#state.services.size;
  }

  /** The name at `position` of {@link serviceNames}, without copying the list. */
  serviceNameAt(position: number): string | undefined {
    return this.#state.sortedNames()[position];
  }

  /** How many instances are registered. */
  instanceCount(): number {
    return this.#state.order.size;
  }

  /** The spec at `position` of {@link specs} (registration order), in O(log n). */
  specAt(position: number): InstanceSpec | undefined {
    const id = this.#state.order.at(position);
    return id === undefined ? undefined : this.#state.instances.get(id)?.spec;
  }

  /** Registers `services × instancesPerService` instances, one transaction per service. */
  populate(options: SimulationOptions = {}): void {
    this.#simulation = new CatalogSimulation(this, options.seed);
    this.#simulation.populate(options);
  }

  /**
   * One random transaction (deterministic for the seed given to `populate`): flip a check,
   * retag, add or remove an instance. Returns the new index.
   */
  churn(random?: () => number): bigint {
    return this.#simulation.churn(random);
  }

  /** Runs {@link churn} `ratePerSecond` times a second until the returned function is called. */
  startChurn(ratePerSecond: number): () => void {
    const timer = setInterval(() => this.churn(), Math.max(1, Math.round(1000 / ratePerSecond)));
    return () => clearInterval(timer);
  }

  /** The specs of every registered instance, in registration order (for simulations). */
  specs(): InstanceSpec[] {
    return Array.from(this.#state.instances.values(), (entry) => entry.spec);
  }

  /** The index a snapshot reports: the state's index, never 0 (P5); later ones are higher. */
  #snapshotIndex(): bigint {
    const index = this.index > 0n ? this.index : 1n;
    if (index > this.#reported) this.#reported = index;
    return index;
  }

  #snapshot(
    table: SubjectTable,
    req: SubscribeRequest,
    append: (events: readonly SnapshotEvent[]) => void,
  ): bigint {
    const index = this.#snapshotIndex();
    const subject = requestSubject(req);
    const rows = subject === undefined ? undefined : table.get(subject);
    if (rows) {
      for (const csn of rows.values()) {
        append([
          {
            index,
            payload: {
              case: "ServiceHealth",
              value: { Op: CatalogOp.Register, CheckServiceNode: csn },
            },
          },
        ]);
      }
    }
    return index;
  }

  #serviceListSnapshot(append: (events: readonly SnapshotEvent[]) => void): bigint {
    const index = this.#snapshotIndex();
    for (const { name, peer } of this.#state.services.values()) {
      append([{ index, payload: serviceListEvent(CatalogOp.Register, name, peer, index).payload }]);
    }
    return index;
  }
}
