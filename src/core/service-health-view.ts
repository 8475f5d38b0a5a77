import { create } from "@bufbuild/protobuf";
import type { CheckServiceNode, Event, ServiceHealthUpdate } from "../gen/index.js";
import { CatalogOp, EventSchema } from "../gen/index.js";
import { HealthCompactor } from "./compact-health.js";
import { ProtocolError } from "./errors.js";
import { type SortedRow, SortedRows } from "./sorted-index.js";
import type { View } from "./types.js";

export interface ServiceHealthFilter {
  /** Every tag must be present on the service (compared case-insensitively). */
  readonly tags?: readonly string[];
  /** Every key/value must match the node's meta. */
  readonly nodeMeta?: Readonly<Record<string, string>>;
  /** Any further predicate over the instance. */
  readonly filter?: (node: CheckServiceNode) => boolean;
  /** A connect view: terminating gateways bypass the filter (their tags are not the service's). */
  readonly connect?: boolean;
  /**
   * Keep compact copies of the instances (default; made in `prepare`, so by a materializer, as
   * events arrive): equal messages (`equals`, `toBinary`,
   * `toJson`, `clone` see no difference) at about a quarter of the heap, with repeated strings
   * interned and empty maps, lists and bytes shared (frozen). `false` keeps the decoded
   * messages themselves (about 3.8 KB per Consul instance, issue 10).
   */
  readonly compact?: boolean;
}

export interface ServiceHealthResult {
  /** Instances sorted by node name, then service ID (byte order); a fresh array per index. */
  readonly nodes: readonly CheckServiceNode[];
  readonly index: bigint;
}

/** Consul's `CheckServiceNode.UniqueID()`: partition/peer/node/namespace/serviceID. */
export function uniqueId(csn: CheckServiceNode): string {
  const service = csn.Service;
  const node = csn.Node;
  const meta = service?.EnterpriseMeta;
  const peer = service?.PeerName || node?.PeerName || "";
  const partition = meta ? meta.Partition : "";
  const namespace = meta ? meta.Namespace : "";
  return `${partition}/${peer}/${node ? node.Node : ""}/${namespace}/${service ? service.ID : ""}`;
}

/** Default partition and namespace, not peered: unique by node name and service ID alone. */
function isPlain(csn: CheckServiceNode): boolean {
  const service = csn.Service;
  const meta = service?.EnterpriseMeta;
  if (meta && (meta.Partition !== "" || meta.Namespace !== "")) return false;
  return !(service?.PeerName || csn.Node?.PeerName);
}

const byNodeThenService = (a: CheckServiceNode, b: CheckServiceNode): number =>
  compareBytes(a.Node?.Node ?? "", b.Node?.Node ?? "") ||
  compareBytes(a.Service?.ID ?? "", b.Service?.ID ?? "");

/**
 * Port of Consul's health view (SPEC V2). Register upserts an instance that passes the filter
 * and deletes one that does not (an instance that stops matching leaves the view); Deregister
 * deletes. A non-health payload throws (a protocol fault, M5) and leaves the view untouched:
 * updates are all or nothing. Through a materializer, instances are kept as compact copies
 * of the decoded messages (see `compact`).
 */
export class ServiceHealthView implements View<ServiceHealthResult> {
  // Rows straight in SortedRows (not a KeyedView): no change object per event.
  readonly #entries = new SortedRows<CheckServiceNode>(byNodeThenService);
  /**
   * Rows by node name, then service ID: the common case (default partition and namespace, no
   * peer), keyed by the message's own strings — no unique-ID string is built per event.
   */
  readonly #byNode = new Map<string, Map<string, SortedRow<CheckServiceNode>>>();
  /** Every other instance, by Consul's full unique ID. */
  readonly #byUniqueId = new Map<string, SortedRow<CheckServiceNode>>();
  readonly #passes: (csn: CheckServiceNode) => boolean;
  readonly #compactor: HealthCompactor | undefined;
  /** Scratch list of one update's upsert (true) / delete decisions, reused. */
  readonly #keep: boolean[] = [];
  #last: ServiceHealthResult | undefined;

  constructor(options: ServiceHealthFilter = {}) {
    this.#passes = healthFilter(options);
    this.#compactor = options.compact === false ? undefined : new HealthCompactor();
  }

  /**
   * Swaps a registered instance for its compact copy as it arrives (`View.prepare`): a
   * snapshot's decoded messages then die young instead of waiting, buffered, for the end of
   * the snapshot.
   */
  prepare(event: Event): void {
    const payload = event.Payload;
    if (!this.#compactor || payload.case !== "ServiceHealth") return;
    const update = payload.value;
    if (update.CheckServiceNode && update.Op !== CatalogOp.Deregister)
      update.CheckServiceNode = this.#compactor.compact(update.CheckServiceNode);
  }

  /** All or nothing (SPEC M5): every event is checked and filtered before the first change. */
  readonly atomicUpdates = true;

  update(events: readonly Event[]): void {
    // Pass 1 may throw (a bad payload, a throwing filter); only pass 2 changes the entries.
    const keep = this.#keep;
    try {
      for (const event of events) {
        const payload = event.Payload;
        if (payload.case !== "ServiceHealth") {
          throw new ProtocolError(
            `unexpected ${payload.case ?? "unknown"} payload for a service health view`,
          );
        }
        const csn = payload.value.CheckServiceNode;
        if (!csn) throw new ProtocolError("ServiceHealth event without a CheckServiceNode");
        keep.push(payload.value.Op !== CatalogOp.Deregister && this.#passes(csn));
      }
      this.#last = undefined;
      for (let i = 0; i < events.length; i++) {
        // Checked in pass 1: a ServiceHealth payload with a CheckServiceNode.
        const csn = (events[i]!.Payload.value as ServiceHealthUpdate).CheckServiceNode!;
        if (keep[i]) this.#upsert(csn);
        else this.#delete(csn);
      }
    } finally {
      keep.length = 0;
    }
  }

  #upsert(csn: CheckServiceNode): void {
    const service = csn.Service;
    if (isPlain(csn)) {
      const node = csn.Node ? csn.Node.Node : "";
      const id = service ? service.ID : "";
      let services = this.#byNode.get(node);
      if (!services) {
        services = new Map();
        this.#byNode.set(node, services);
      }
      const row = services.get(id);
      if (row) this.#entries.update(row, csn);
      else services.set(id, this.#entries.add(csn));
      return;
    }
    const key = uniqueId(csn);
    const row = this.#byUniqueId.get(key);
    if (row) this.#entries.update(row, csn);
    else this.#byUniqueId.set(key, this.#entries.add(csn));
  }

  #delete(csn: CheckServiceNode): void {
    if (isPlain(csn)) {
      const node = csn.Node ? csn.Node.Node : "";
      const services = this.#byNode.get(node);
      const id = csn.Service ? csn.Service.ID : "";
      const row = services?.get(id);
      if (!services || !row) return;
      services.delete(id);
      // A node's last instance takes its map with it: churn of nodes does not accumulate.
      if (services.size === 0) this.#byNode.delete(node);
      this.#entries.remove(row);
      return;
    }
    const key = uniqueId(csn);
    const row = this.#byUniqueId.get(key);
    if (!row) return;
    this.#byUniqueId.delete(key);
    this.#entries.remove(row);
  }

  result(index: bigint): ServiceHealthResult {
    if (this.#last?.index !== index) this.#last = { nodes: this.#entries.values(), index };
    return this.#last;
  }

  reset(): void {
    this.#last = undefined;
    this.#entries.clear();
    this.#byNode.clear();
    this.#byUniqueId.clear();
    this.#compactor?.clear();
  }

  snapshotEvents(): Event[] {
    return this.#entries.values().map((csn) =>
      create(EventSchema, {
        Payload: {
          case: "ServiceHealth",
          value: { Op: CatalogOp.Register, CheckServiceNode: csn },
        },
      }),
    );
  }
}

function healthFilter(options: ServiceHealthFilter): (csn: CheckServiceNode) => boolean {
  const tags = options.tags?.map((t) => t.toLowerCase()) ?? [];
  const meta = Object.entries(options.nodeMeta ?? {});
  const predicate = options.filter;
  if (tags.length === 0 && meta.length === 0 && !predicate) return () => true;
  return (csn) => {
    if (options.connect && csn.Service?.Kind === "terminating-gateway") return true;
    if (tags.length > 0) {
      const have = new Set((csn.Service?.Tags ?? []).map((t) => t.toLowerCase()));
      if (!tags.every((t) => have.has(t))) return false;
    }
    for (const [key, value] of meta) if (csn.Node?.Meta[key] !== value) return false;
    return predicate ? predicate(csn) : true;
  };
}

/** Orders strings by their UTF-8 bytes (Go's string comparison), not by UTF-16 code units. */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800–DFFF) encode code points above U+FFFF, which sort after U+E000–FFFF in UTF-8.
    const sx = x >= 0xd800 && x <= 0xdfff ? x + 0x2000 : x >= 0xe000 ? x - 0x800 : x;
    const sy = y >= 0xd800 && y <= 0xdfff ? y + 0x2000 : y >= 0xe000 ? y - 0x800 : y;
    return sx - sy;
  }
  return a.length - b.length;
}
