/**
 * The demo's datacenter: a churning `HealthCatalog` on an `EventPublisher` that can be swapped
 * for a restored one (a server restored from an older snapshot), plus the fault actions the
 * page's buttons trigger (drop, reset, NewSnapshotToFollow, restore, churn on/off).
 */
import { Topic } from "../src/gen/index.js";
import { EventPublisher, HealthCatalog, type InstanceSpec } from "../src/server/index.js";
import { BufferKeepers } from "./buffer-keepers.js";

/** A restorable moment of the catalog: its index and every instance then. */
interface Checkpoint {
  readonly index: bigint;
  readonly specs: readonly InstanceSpec[];
}

const TOPICS = [Topic.ServiceHealth, Topic.ServiceHealthConnect, Topic.ServiceList] as const;
/** A checkpoint every this many milliseconds, the last {@link KEEP_CHECKPOINTS} kept. */
const CHECKPOINT_EVERY_MS = 5_000;
const KEEP_CHECKPOINTS = 12;

export interface DemoDatacenterOptions {
  readonly services: number;
  readonly instancesPerService: number;
  readonly seed: number;
  /** Catalog changes per second (0: none until `resumeChurn`). */
  readonly rate: number;
}

export class DemoDatacenter {
  #publisher = new EventPublisher();
  #catalog = new HealthCatalog(this.#publisher);
  readonly #rate: number;
  #churn: ReturnType<typeof setInterval> | undefined;
  readonly #checkpointTimer: ReturnType<typeof setInterval>;
  #checkpoints: Checkpoint[] = [];
  /** Other agents' subscriptions: topic buffers outlive one client's reconnect (SPEC S4, S6). */
  #keepers: BufferKeepers;

  /**
   * What `serve()` is given: a stand-in that forwards every call to the publisher of the moment,
   * so a restore can replace the publisher under a running server.
   */
  readonly publisher: EventPublisher;

  constructor(options: DemoDatacenterOptions) {
    this.#catalog.populate(options);
    this.#rate = options.rate > 0 ? options.rate : 3;
    this.#checkpoint();
    this.#checkpointTimer = setInterval(() => this.#checkpoint(), CHECKPOINT_EVERY_MS);
    this.#checkpointTimer.unref();
    this.#keepers = new BufferKeepers(this.#publisher, this.#catalog.serviceNames());
    if (options.rate > 0) this.resumeChurn();
    this.publisher = new Proxy(this.#publisher, {
      get: (_target, property) => {
        const current = this.#publisher;
        const value: unknown = Reflect.get(current, property, current);
        return typeof value === "function" ? value.bind(current) : value;
      },
    });
  }

  get catalog(): HealthCatalog {
    return this.#catalog;
  }

  get churning(): boolean {
    return this.#churn !== undefined;
  }

  get rate(): number {
    return this.#rate;
  }

  /** Catalog changes resume at the configured rate (3 a second when started with `--rate 0`). */
  resumeChurn(): void {
    if (this.#churn) return;
    this.#churn = setInterval(() => this.#catalog.churn(), Math.max(1, 1000 / this.#rate));
  }

  stopChurn(): void {
    clearInterval(this.#churn);
    this.#churn = undefined;
  }

  /** Ends every stream with `Aborted`: clients throw their views away and resnapshot (SPEC P5). */
  reset(): void {
    for (const topic of TOPICS) this.#publisher.refreshTopic(topic);
  }

  /**
   * Makes the next resume unservable (SPEC S6): the other agents let go, so once the clients'
   * connections drop (by the caller) no topic buffer is left; a client resuming at N gets
   * `NewSnapshotToFollow` and a full snapshot. The agents come back a moment later.
   */
  releaseBuffers(): void {
    this.#keepers.stop();
    setTimeout(() => {
      this.#keepers = new BufferKeepers(this.#publisher, this.#catalog.serviceNames());
    }, 250).unref();
  }

  /**
   * Restores the datacenter from an older checkpoint, as after a server restore: a fresh
   * publisher and catalog hold that state at its (lower) index; every stream of the old
   * publisher ends with `Aborted`, so clients resubscribe at index 0 and get a snapshot at the
   * lower index (SPEC P5; a blocking query waiting above it returns it as a reset, SPEC M8).
   * Returns the restored index.
   */
  restore(): bigint {
    const current = this.#catalog.index;
    const older = this.#checkpoints.find((checkpoint) => checkpoint.index < current);
    // Nothing older (no churn since the last restore): the same instances, at half the index.
    const target = older ?? { index: current / 2n || 1n, specs: this.#catalog.specs() };
    const previous = this.#publisher;
    const publisher = new EventPublisher({ datacenter: previous.datacenter });
    const catalog = new HealthCatalog(publisher);
    // Bring the empty publisher to just below the target (nobody subscribes: dropped, S4),
    // then write the instances back in one transaction at the target index.
    if (target.index > 1n) {
      publisher.publish([
        {
          topic: Topic.ServiceHealth,
          subject: "",
          index: target.index - 1n,
          payload: { case: undefined },
        },
      ]);
    }
    catalog.transaction((tx) => {
      for (const spec of target.specs) tx.register(spec);
    });
    this.#keepers.stop();
    this.#publisher = publisher;
    this.#catalog = catalog;
    this.#checkpoints = this.#checkpoints.filter((checkpoint) => checkpoint.index < catalog.index);
    this.#checkpoint();
    this.#keepers = new BufferKeepers(publisher, catalog.serviceNames());
    // New streams already reach the new publisher; the old ones end with Aborted.
    for (const topic of TOPICS) previous.refreshTopic(topic);
    previous.shutdown();
    return catalog.index;
  }

  /** The catalog as JSON, for the page's end-to-end test and for curious people. */
  state(): DemoState {
    const catalog = this.#catalog;
    const services = catalog.serviceNames();
    const health: Record<string, DemoInstance[]> = {};
    for (const service of services) {
      health[service] = catalog.instances(service).map((csn) => ({
        id: csn.Service?.ID ?? "",
        node: csn.Node?.Node ?? "",
        address: `${csn.Service?.Address ?? ""}:${csn.Service?.Port ?? 0}`,
        status: csn.Checks[0]?.Status ?? "",
        tags: [...(csn.Service?.Tags ?? [])],
      }));
    }
    return {
      index: catalog.index.toString(),
      churning: this.churning,
      rate: this.#rate,
      services,
      health,
      publisher: this.#publisher.stats(),
    };
  }

  /** Stops churn, checkpoints and the agents (the server's close shuts the publisher down). */
  stop(): void {
    this.stopChurn();
    clearInterval(this.#checkpointTimer);
    this.#keepers.stop();
  }

  #checkpoint(): void {
    const index = this.#catalog.index;
    if (this.#checkpoints.at(-1)?.index === index) return;
    this.#checkpoints.push({ index, specs: this.#catalog.specs() });
    if (this.#checkpoints.length > KEEP_CHECKPOINTS) this.#checkpoints.shift();
  }
}

export interface DemoInstance {
  readonly id: string;
  readonly node: string;
  readonly address: string;
  readonly status: string;
  readonly tags: readonly string[];
}

export interface DemoState {
  readonly index: string;
  readonly churning: boolean;
  readonly rate: number;
  readonly services: readonly string[];
  readonly health: Readonly<Record<string, readonly DemoInstance[]>>;
  readonly publisher: ReturnType<EventPublisher["stats"]>;
}
