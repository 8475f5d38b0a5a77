import { CatalogOp, type CheckServiceNode, type SubscribeRequest, Topic } from "../gen/index.js";
import { checkServiceNode } from "./catalog-messages.js";
import { CatalogSimulation } from "./catalog-simulation.js";
import type {
  CatalogTransaction,
  HealthCatalogOptions,
  HealthStatus,
  InstanceSpec,
  SimulationOptions,
} from "./catalog-types.js";
import type {
  EventPayload,
  EventPublisher,
  PublishEvent,
  SnapshotEvent,
} from "./event-publisher.js";
import { requestSubject, subjectKey } from "./subjects.js";

interface Entry {
  readonly spec: InstanceSpec;
  readonly csn: CheckServiceNode;
}

const SERVICE_LIST_SUBJECT = (name: string, peer: string) => subjectKey(name, peer);

/** Consul's `CheckServiceNode.UniqueID()` in the default partition and namespace. */
export function instanceId(node: string, serviceId: string, peer = ""): string {
  return `/${peer}/${node}//${serviceId}`;
}

/**
 * An in-memory Consul catalog of service instances that publishes `ServiceHealth`,
 * `ServiceHealthConnect` and `ServiceList` events through an {@link EventPublisher} in
 * transactions with strictly increasing indexes, and answers those topics' snapshots.
 * It drives the demo server, the stories (in the browser) and the tests.
 */
export class HealthCatalog {
  readonly #publisher: EventPublisher;
  readonly #datacenter: string;
  readonly #instances = new Map<string, Entry>();
  /** Instances per health subject and per connect subject. */
  readonly #health = new Map<string, Map<string, CheckServiceNode>>();
  readonly #connect = new Map<string, Map<string, CheckServiceNode>>();
  /** Instance count per service (ServiceList), keyed by subject. */
  readonly #services = new Map<string, { name: string; peer: string; count: number }>();
  /** The highest index a snapshot of this catalog has reported. */
  #reported = 0n;
  #simulation = new CatalogSimulation(this);

  constructor(publisher: EventPublisher, options: HealthCatalogOptions = {}) {
    this.#publisher = publisher;
    this.#datacenter = options.datacenter ?? "dc1";
    publisher.registerTopic(Topic.ServiceHealth, (req, append) =>
      this.#snapshot(this.#health, req, append),
    );
    publisher.registerTopic(Topic.ServiceHealthConnect, (req, append) =>
      this.#snapshot(this.#connect, req, append),
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
   * reported for it if that is higher (an empty catalog's snapshot reports 1, P5), so that no
   * transaction reuses an index a snapshot already reported (S6).
   */
  get index(): bigint {
    // (Math.max takes no bigint.)
    if (this.#reported > this.#publisher.index) return this.#reported;
    return this.#publisher.index;
  }

  /**
   * Applies `fn`'s operations as one transaction at the next index and publishes its events.
   * Returns the new index, or the current one when nothing changed.
   */
  transaction(fn: (tx: CatalogTransaction) => void): bigint {
    const index = this.index + 1n;
    const events: PublishEvent[] = [];
    const tx: CatalogTransaction = {
      register: (instance) => this.#register(instance, index, events),
      deregister: (node, serviceId, peer = "") =>
        this.#deregister(instanceId(node, serviceId, peer), index, events),
      setStatus: (node, serviceId, status, peer = "") => {
        const entry = this.#instances.get(instanceId(node, serviceId, peer));
        if (!entry) throw new Error(`setStatus: no instance ${serviceId} on node ${node}`);
        this.#register({ ...entry.spec, status }, index, events);
      },
    };
    fn(tx);
    if (events.length === 0) return this.index;
    this.#publisher.publish(events);
    return index;
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
    const table = options.connect ? this.#connect : this.#health;
    return [...(table.get(subjectKey(service, options.peer ?? ""))?.values() ?? [])];
  }

  /** Names of the services with at least one instance, sorted. */
  serviceNames(): string[] {
    return [...this.#services.values()].map((s) => s.name).sort();
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

  /** The specs of every registered instance (for simulations). */
  specs(): InstanceSpec[] {
    return Array.from(this.#instances.values(), (entry) => entry.spec);
  }

  #register(spec: InstanceSpec, index: bigint, events: PublishEvent[]): void {
    const serviceId = spec.id ?? spec.service;
    const peer = spec.peer ?? "";
    const id = instanceId(spec.node, serviceId, peer);
    const previous = this.#instances.get(id);
    const moved =
      previous !== undefined && previous.spec.service.toLowerCase() !== spec.service.toLowerCase();
    // Renaming an instance's service moves it: deregister it from the old subjects first.
    if (moved) this.#deregister(id, index, events);
    const updated = previous !== undefined && !moved;
    const createIndex = updated ? (previous.csn.Service?.RaftIndex?.CreateIndex ?? index) : index;
    const csn = checkServiceNode(spec, this.#datacenter, serviceId, peer, createIndex, index);
    this.#instances.set(id, { spec, csn });
    this.#emit(spec, csn, id, CatalogOp.Register, index, events);

    const listKey = SERVICE_LIST_SUBJECT(spec.service, peer);
    if (updated) return;
    const listed = this.#services.get(listKey);
    if (listed) {
      listed.count++;
      return;
    }
    this.#services.set(listKey, { name: spec.service, peer, count: 1 });
    events.push(serviceListEvent(CatalogOp.Register, spec.service, peer, index));
  }

  #deregister(id: string, index: bigint, events: PublishEvent[]): void {
    const entry = this.#instances.get(id);
    if (!entry) return;
    this.#instances.delete(id);
    this.#emit(entry.spec, entry.csn, id, CatalogOp.Deregister, index, events);
    const peer = entry.spec.peer ?? "";
    const listKey = SERVICE_LIST_SUBJECT(entry.spec.service, peer);
    const listed = this.#services.get(listKey);
    if (listed && --listed.count === 0) {
      this.#services.delete(listKey);
      events.push(serviceListEvent(CatalogOp.Deregister, listed.name, peer, index));
    }
  }

  /** Updates the subject tables and queues one event per subject the instance belongs to. */
  #emit(
    spec: InstanceSpec,
    csn: CheckServiceNode,
    id: string,
    op: CatalogOp,
    index: bigint,
    events: PublishEvent[],
  ) {
    const peer = spec.peer ?? "";
    const payload: EventPayload = {
      case: "ServiceHealth",
      value: { Op: op, CheckServiceNode: csn },
    };
    const place = (
      table: Map<string, Map<string, CheckServiceNode>>,
      topic: Topic,
      name: string,
    ) => {
      const subject = subjectKey(name, peer);
      let rows = table.get(subject);
      if (op === CatalogOp.Register) {
        if (!rows) {
          rows = new Map();
          table.set(subject, rows);
        }
        rows.set(id, csn);
      } else if (rows) {
        rows.delete(id);
        if (rows.size === 0) table.delete(subject);
      }
      events.push({ topic, subject, index, payload });
    };
    place(this.#health, Topic.ServiceHealth, spec.service);
    for (const name of connectSubjects(spec))
      place(this.#connect, Topic.ServiceHealthConnect, name);
  }

  /** The index a snapshot reports: the state's index, never 0 (P5); later ones are higher. */
  #snapshotIndex(): bigint {
    const index = this.index > 0n ? this.index : 1n;
    if (index > this.#reported) this.#reported = index;
    return index;
  }

  #snapshot(
    table: Map<string, Map<string, CheckServiceNode>>,
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
    for (const { name, peer } of this.#services.values()) {
      append([{ index, payload: serviceListEvent(CatalogOp.Register, name, peer, index).payload }]);
    }
    return index;
  }
}

function connectSubjects(spec: InstanceSpec): readonly string[] {
  if (spec.kind === "connect-proxy" && spec.proxyDestination) return [spec.proxyDestination];
  if (spec.kind === "terminating-gateway") return spec.gatewayServices ?? [];
  return spec.connectNative ? [spec.service] : [];
}

function serviceListEvent(op: CatalogOp, name: string, peer: string, index: bigint): PublishEvent {
  return {
    topic: Topic.ServiceList,
    subject: subjectKey(name, peer),
    index,
    payload: { case: "Service", value: { Op: op, Name: name, PeerName: peer } },
  };
}
