/**
 * The health catalog's tables, and the staged writes of one transaction (SPEC S3): a
 * transaction reads through its writes and changes nothing until `commit()`, so one that
 * throws, or whose publish fails, leaves no trace.
 */
import type { CheckServiceNode } from "../gen/index.js";
import type { InstanceSpec } from "./catalog-types.js";
import { IndexedSet } from "./indexed-set.js";

export interface Entry {
  readonly spec: InstanceSpec;
  readonly csn: CheckServiceNode;
}

/** A ServiceList entry: how many instances the service (per peer) has. */
export interface ListedService {
  readonly name: string;
  readonly peer: string;
  readonly count: number;
}

/** Instances per subject key, by instance id. */
export type SubjectTable = Map<string, Map<string, CheckServiceNode>>;

export class CatalogState {
  readonly instances = new Map<string, Entry>();
  /** Instance ids in registration order, by position (for simulations). */
  readonly order = new IndexedSet<string>();
  readonly health: SubjectTable = new Map();
  readonly connect: SubjectTable = new Map();
  /** ServiceList entries by subject key. */
  readonly services = new Map<string, ListedService>();
  #sortedNames: string[] | undefined;

  /** Names of the listed services, sorted; rebuilt only after the set of services changed. */
  sortedNames(): readonly string[] {
    this.#sortedNames ??= Array.from(this.services.values(), (s) => s.name).sort();
    return this.#sortedNames;
  }

  /** Drops the sorted names once a service is listed or unlisted (not on count changes). */
  invalidateNames(): void {
    this.#sortedNames = undefined;
  }
}

interface RowWrite {
  readonly table: SubjectTable;
  readonly subject: string;
  readonly id: string;
  /** The row to set; `undefined` deletes it. */
  readonly csn: CheckServiceNode | undefined;
}

/**
 * A map's pending writes over a base map: reads see them, `apply` replays them in order (so
 * the base map ends in the order direct writes would have left it).
 */
class StagedMap<V> {
  readonly #base: ReadonlyMap<string, V>;
  readonly #latest = new Map<string, V | undefined>();
  readonly log: Array<readonly [string, V | undefined]> = [];

  constructor(base: ReadonlyMap<string, V>) {
    this.#base = base;
  }

  get(key: string): V | undefined {
    return this.#latest.has(key) ? this.#latest.get(key) : this.#base.get(key);
  }

  set(key: string, value: V | undefined): void {
    this.#latest.set(key, value);
    this.log.push([key, value]);
  }
}

/** The writes of one transaction over a {@link CatalogState}. */
export class CatalogWrites {
  readonly #state: CatalogState;
  readonly #instances: StagedMap<Entry>;
  readonly #services: StagedMap<ListedService>;
  readonly #rows: RowWrite[] = [];

  constructor(state: CatalogState) {
    this.#state = state;
    this.#instances = new StagedMap(state.instances);
    this.#services = new StagedMap(state.services);
  }

  instance(id: string): Entry | undefined {
    return this.#instances.get(id);
  }

  setInstance(id: string, entry: Entry | undefined): void {
    this.#instances.set(id, entry);
  }

  service(key: string): ListedService | undefined {
    return this.#services.get(key);
  }

  setService(key: string, listed: ListedService | undefined): void {
    this.#services.set(key, listed);
  }

  setRow(table: SubjectTable, subject: string, id: string, csn: CheckServiceNode | undefined) {
    this.#rows.push({ table, subject, id, csn });
  }

  /** Applies every write to the state. Never throws (all checks ran while staging). */
  commit(): void {
    const state = this.#state;
    for (const [id, entry] of this.#instances.log) {
      if (entry) {
        state.instances.set(id, entry);
        state.order.add(id);
      } else if (state.instances.delete(id)) {
        state.order.delete(id);
      }
    }
    for (const [key, listed] of this.#services.log) {
      const known = state.services.has(key);
      if (listed) state.services.set(key, listed);
      else state.services.delete(key);
      if (known !== (listed !== undefined)) state.invalidateNames();
    }
    for (const { table, subject, id, csn } of this.#rows) {
      let rows = table.get(subject);
      if (csn) {
        if (!rows) {
          rows = new Map();
          table.set(subject, rows);
        }
        rows.set(id, csn);
      } else if (rows) {
        rows.delete(id);
        if (rows.size === 0) table.delete(subject);
      }
    }
  }
}
