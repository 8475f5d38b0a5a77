/**
 * The server side of the fault soak: the package's own server (EventPublisher + HealthCatalog
 * + serve()) on a fixed 127.0.0.1 port, with an authorizer that shows each token a different
 * subset of nodes, a history of the catalog's state at every index, and restarts on the same
 * port, either where the catalog was or from an older state (a restored snapshot: a new
 * publisher whose catalog comes back at a LOWER index). Each server life is an epoch; every
 * state a consumer observes is checked against the epoch it came from.
 */
import { CatalogOp, type CheckServiceNode, type Event, Topic } from "react-submatview/gen";
import {
  EventPublisher,
  HealthCatalog,
  type InstanceSpec,
  type PublisherStats,
} from "react-submatview/server";
import { type RunningServer, serve } from "react-submatview/server/node";
import { SplitTimers } from "./split-timers.js";

export const SERVICES = ["web", "api", "db"] as const;
export const NODES = ["node-0", "node-1", "node-2", "node-3"] as const;
/** Each token sees its own subset of nodes (SPEC S7): a token switch must never mix them. */
export const TOKENS = ["token-all", "token-even", "token-odd"] as const;
export type Token = (typeof TOKENS)[number];
export type Service = (typeof SERVICES)[number];

const VISIBLE: Record<Token, (node: string) => boolean> = {
  "token-all": () => true,
  "token-even": (node) => node === "node-0" || node === "node-2",
  "token-odd": (node) => node === "node-1" || node === "node-3",
};

/** The snapshot cache's TTL (its timers are fired by the test). */
const CACHE_TTL_MS = 4_321;

/** One row of a health view, as text: `node/id/status/tags`. */
export const rowOf = (n: CheckServiceNode): string =>
  `${n.Node?.Node}/${n.Service?.ID}/${n.Checks[0]?.Status}/${n.Service?.Tags.join("+")}`;

const specRow = (s: InstanceSpec): string =>
  `${s.node}/${s.id ?? s.service}/${s.status ?? "passing"}/${(s.tags ?? []).join("+")}`;

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** One server life: the catalog's state at each index it defined. */
export class Epoch {
  readonly indexes: bigint[] = [];
  readonly states: InstanceSpec[][] = [];
  constructor(
    readonly number: number,
    readonly publisher: EventPublisher,
  ) {}

  record(index: bigint, specs: InstanceSpec[]): void {
    if (this.indexes.at(-1) === index) this.states[this.states.length - 1] = specs;
    else {
      this.indexes.push(index);
      this.states.push(specs);
    }
  }

  get first(): bigint {
    return this.indexes[0]!;
  }

  get last(): bigint {
    return this.indexes.at(-1)!;
  }

  /** The specs at `index` (the newest state at or below it); undefined outside this epoch. */
  stateAt(index: bigint): InstanceSpec[] | undefined {
    if (this.indexes.length === 0 || index < this.first || index > this.last) return undefined;
    let lo = 0;
    let hi = this.indexes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.indexes[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return this.states[lo];
  }

  /** What `token` may see of `service` at `index`, sorted as the view sorts (SPEC V2). */
  expected(token: Token, service: string, index: bigint): string | undefined {
    const specs = this.stateAt(index);
    if (!specs) return undefined;
    return specs
      .filter((s) => s.service === service && VISIBLE[token](s.node))
      .sort((a, b) => byteOrder(a.node, b.node) || byteOrder(a.id ?? "", b.id ?? ""))
      .map(specRow)
      .join(",");
  }
}

/** Per consumer: the oldest epoch it may still show (it never goes back to an older one). */
export interface EpochCursor {
  epoch: number;
}

export class FaultWorld {
  readonly epochs: Epoch[] = [];
  /** The snapshot caches' timers (TTL fired by `expireCaches()`), over every epoch. */
  readonly cacheTimers = new SplitTimers(CACHE_TTL_MS);
  publisher!: EventPublisher;
  catalog!: HealthCatalog;
  #server!: RunningServer;
  /** The highest index of every earlier epoch. */
  #floor = 0n;
  port = 0;

  static async start(initial: readonly InstanceSpec[]): Promise<FaultWorld> {
    const world = new FaultWorld();
    world.#newEpoch();
    world.catalog.transaction((tx) => {
      for (const spec of initial) tx.register(spec);
    });
    world.#record();
    await world.#listen();
    return world;
  }

  get epoch(): Epoch {
    return this.epochs.at(-1)!;
  }

  get url(): string {
    return this.#server.url;
  }

  /**
   * Runs one catalog transaction and records the state at its index. The first write after a
   * restore goes above every index an earlier epoch used (raft's index keeps growing across a
   * Consul snapshot restore; only the restored tables' indexes go back): an index the server
   * publishes never names two different states, which a resume at that index could not tell
   * apart (SPEC S6).
   */
  transaction(fn: Parameters<HealthCatalog["transaction"]>[0]): bigint {
    if (this.#floor > this.catalog.index) {
      this.#mark(this.#floor);
      this.#record();
    }
    const index = this.catalog.transaction(fn);
    this.#record();
    return index;
  }

  dropConnections(): void {
    this.#server.dropConnections();
  }

  /**
   * Closes the server (every stream ends with "shutting down") and serves again on the same
   * port with a new publisher whose catalog holds the state of index `restoreTo` (default:
   * the current one), at exactly that index: a restart, or a restore to an older snapshot.
   */
  async restart(restoreTo?: bigint): Promise<bigint> {
    const target = restoreTo ?? this.catalog.index;
    const specs = this.epoch.stateAt(target);
    if (!specs) throw new Error(`no state at ${target} in epoch ${this.epoch.number}`);
    if (this.epoch.last > this.#floor) this.#floor = this.epoch.last;
    await this.#server.close();
    this.#newEpoch();
    // Move the new publisher to just below the restored index, then bring the state back there.
    const marker = specs.length > 0 ? target - 1n : target;
    if (marker > 0n) this.#mark(marker);
    const index = this.catalog.transaction((tx) => {
      for (const spec of specs) tx.register(spec);
    });
    if (index !== target) throw new Error(`restored at ${index}, wanted ${target}`);
    this.#record();
    await this.#listen();
    return index;
  }

  /**
   * Checks one observed state: it must be exactly what `token` may see of `service` at `index`
   * in some epoch from the consumer's cursor on. Returns a description of a mismatch, if any.
   */
  check(
    cursor: EpochCursor,
    who: string,
    token: Token,
    service: string,
    index: bigint,
    rows: string,
  ): string | undefined {
    for (let e = cursor.epoch; e < this.epochs.length; e++) {
      if (this.epochs[e]!.expected(token, service, index) === rows) {
        cursor.epoch = e;
        return undefined;
      }
    }
    const want = this.epochs
      .slice(cursor.epoch)
      .map((epoch) => `epoch ${epoch.number}: ${epoch.expected(token, service, index) ?? "-"}`);
    return `${who} ${token}/${service}@${index}: [${rows}] is none of ${want.join("; ")}`;
  }

  /** The final state `token` sees of `service` now (the current epoch's newest index). */
  final(token: Token, service: string): string {
    return this.epoch.expected(token, service, this.epoch.last)!;
  }

  /** Every publisher's stats, summed (old epochs must be released too). */
  stats(): PublisherStats {
    const sum = { subscribers: 0, buffers: 0, cachedSnapshots: 0 };
    for (const { publisher } of this.epochs) {
      const s = publisher.stats();
      sum.subscribers += s.subscribers;
      sum.buffers += s.buffers;
      sum.cachedSnapshots += s.cachedSnapshots;
    }
    return sum;
  }

  /** The snapshot caches' TTL elapses. */
  expireCaches(): number {
    return this.cacheTimers.expire();
  }

  close(): Promise<void> {
    return this.#server.close();
  }

  #newEpoch(): void {
    this.publisher = new EventPublisher({
      authorizer: (token) => {
        const visible = VISIBLE[token as Token];
        return visible ? (event: Event) => isVisible(event, visible) : null;
      },
      snapshotCacheTtlMs: CACHE_TTL_MS,
      timers: this.cacheTimers,
    });
    this.catalog = new HealthCatalog(this.publisher);
    if (process.env.SOAK_TRACE) {
      const publisher = this.publisher;
      const epoch = this.epochs.length;
      const subscribe = publisher.subscribe.bind(publisher);
      publisher.subscribe = (request) => {
        const sub = subscribe(request);
        const name = `${epoch} ${request.Token}/${request.Subject.value && typeof request.Subject.value === "object" ? request.Subject.value.Key : "*"}@${request.Index}`;
        process.stderr.write(`${Date.now() % 100000} server subscribe ${name}\n`);
        const unsubscribe = sub.unsubscribe.bind(sub);
        sub.unsubscribe = () => {
          process.stderr.write(`${Date.now() % 100000} server release ${name}\n`);
          unsubscribe();
        };
        return sub;
      };
    }
    this.epochs.push(new Epoch(this.epochs.length, this.publisher));
  }

  /** Moves the publisher's index to `index` with an event nobody subscribes to. */
  #mark(index: bigint): void {
    this.publisher.publish([
      {
        topic: Topic.ServiceHealth,
        subject: "restore-marker",
        index,
        payload: { case: "ServiceHealth", value: { Op: CatalogOp.Deregister } },
      },
    ]);
  }

  #record(): void {
    this.epoch.record(this.catalog.index, this.catalog.specs());
  }

  async #listen(): Promise<void> {
    // close() resolved once the old listener was closed: the same port is free again.
    this.#server = await serve({ publisher: this.publisher, port: this.port, closeGraceMs: 300 });
    this.port = this.#server.port;
  }
}

function isVisible(event: Event, visible: (node: string) => boolean): boolean {
  const payload = event.Payload;
  if (payload.case !== "ServiceHealth") return true;
  return visible(payload.value.CheckServiceNode?.Node?.Node ?? "");
}
