/**
 * Compact copies of decoded `CheckServiceNode`s for a view to keep (issue 10: heap per
 * instance). protobuf-es builds `NodeService` and `HealthCheck` (18+ fields) by adding
 * properties one by one, which turns them into dictionary-mode objects (~0.8 KB each); lists
 * decoded by `push` keep spare capacity; every empty map, list and `bytes` field is its own
 * object. A copy built from object literals in proto field order keeps every field in the
 * object itself, under one hidden class per message type.
 */
import type { Message, UnknownField } from "@bufbuild/protobuf";
import type {
  CheckServiceNode,
  EnterpriseMeta,
  HealthCheck,
  Locality,
  Node,
  NodeService,
  RaftIndex,
  ServiceAddress,
  Weights,
} from "../gen/index.js";
import { StringInterner } from "./string-interner.js";

// Shared, frozen: nothing in the package or in protobuf-es (`clone`, `toBinary`, `toJson`,
// `equals`) writes to a message's fields; results are immutable by contract (SPEC M10, V1).
const EMPTY_BYTES = Object.freeze(new Uint8Array(0)) as Uint8Array;
const EMPTY_LIST: never[] = Object.freeze([]) as unknown as never[];
const EMPTY_MAP: { [key: string]: never } = Object.freeze({});
/** Consul's default weights (passing 1, warning 1): shared by every instance that has them. */
const DEFAULT_WEIGHTS: Weights = Object.freeze({
  $typeName: "hashicorp.consul.internal.service.Weights",
  Passing: 1,
  Warning: 1,
}) as Weights;

/**
 * Copies `CheckServiceNode`s into compact, equal messages (`equals`, `toBinary`, `toJson`,
 * `clone` and `isMessage` see no difference): fields in-object, lists at their exact length,
 * empty maps, lists and bytes shared (frozen), strings that repeat across instances interned
 * through a bounded {@link StringInterner}, and the strings and raft indexes a check repeats
 * from its service and node taken from them.
 */
export class HealthCompactor {
  readonly #strings: StringInterner | undefined;

  /** `strings: false` turns interning off (for measuring what it buys). */
  constructor(options: { readonly strings?: StringInterner | false } = {}) {
    this.#strings =
      options.strings === false ? undefined : (options.strings ?? new StringInterner());
  }

  compact(csn: CheckServiceNode): CheckServiceNode {
    const node = csn.Node && this.#node(csn.Node);
    const service = csn.Service && this.#service(csn.Service);
    const checks = csn.Checks;
    let compacted: HealthCheck[] = EMPTY_LIST;
    if (checks.length > 0) {
      compacted = new Array<HealthCheck>(checks.length);
      for (let i = 0; i < checks.length; i++) compacted[i] = this.#check(checks[i]!, node, service);
    }
    return {
      $typeName: csn.$typeName,
      Node: node,
      Service: service,
      Checks: compacted,
      $unknown: unknown(csn),
    };
  }

  /** Forgets the interned strings (the view was reset). */
  clear(): void {
    this.#strings?.clear();
  }

  #s(value: string): string {
    return this.#strings ? this.#strings.intern(value) : value;
  }

  #node(n: Node): Node {
    return {
      $typeName: n.$typeName,
      ID: n.ID,
      Node: n.Node,
      Address: n.Address,
      Datacenter: this.#s(n.Datacenter),
      TaggedAddresses: this.#stringMap(n.TaggedAddresses, n.Address),
      Meta: this.#stringMap(n.Meta, undefined),
      RaftIndex: n.RaftIndex && raftIndex(n.RaftIndex, undefined),
      Partition: this.#s(n.Partition),
      PeerName: this.#s(n.PeerName),
      Locality: n.Locality && this.#locality(n.Locality),
      $unknown: unknown(n),
    };
  }

  #service(s: NodeService): NodeService {
    return {
      $typeName: s.$typeName,
      Kind: this.#s(s.Kind),
      ID: s.ID,
      Service: this.#s(s.Service),
      Tags: this.#list(s.Tags),
      Address: s.Address,
      Meta: this.#stringMap(s.Meta, undefined),
      Port: s.Port,
      Weights: s.Weights && weights(s.Weights),
      EnableTagOverride: s.EnableTagOverride,
      Proxy: bytes(s.Proxy),
      Connect: bytes(s.Connect),
      LocallyRegisteredAsSidecar: s.LocallyRegisteredAsSidecar,
      RaftIndex: s.RaftIndex && raftIndex(s.RaftIndex, undefined),
      TaggedAddresses: this.#serviceAddresses(s.TaggedAddresses, s.Address),
      EnterpriseMeta: s.EnterpriseMeta && this.#enterpriseMeta(s.EnterpriseMeta),
      SocketPath: s.SocketPath,
      PeerName: this.#s(s.PeerName),
      Locality: s.Locality && this.#locality(s.Locality),
      $unknown: unknown(s),
    };
  }

  #check(c: HealthCheck, node: Node | undefined, service: NodeService | undefined): HealthCheck {
    return {
      $typeName: c.$typeName,
      Node: node && c.Node === node.Node ? node.Node : c.Node,
      CheckID: c.CheckID,
      Name: this.#s(c.Name),
      Status: this.#s(c.Status),
      Notes: this.#s(c.Notes),
      // Free text that often names the instance (a URL, an address, a time): not interned, or a
      // small view whose checks report changing output would fill the table with stale strings.
      Output: c.Output,
      ServiceID: service && c.ServiceID === service.ID ? service.ID : c.ServiceID,
      ServiceName: this.#s(c.ServiceName),
      ServiceTags:
        service && sameList(c.ServiceTags, service.Tags) ? service.Tags : this.#list(c.ServiceTags),
      Definition: bytes(c.Definition),
      RaftIndex: c.RaftIndex && raftIndex(c.RaftIndex, service?.RaftIndex),
      Type: this.#s(c.Type),
      EnterpriseMeta: c.EnterpriseMeta && this.#enterpriseMeta(c.EnterpriseMeta),
      ExposedPort: c.ExposedPort,
      Interval: this.#s(c.Interval),
      Timeout: this.#s(c.Timeout),
      PeerName: this.#s(c.PeerName),
      TTL: this.#s(c.TTL),
      $unknown: unknown(c),
    };
  }

  /** A list at its exact length, interned; frozen, since a check may share its service's. */
  #list(list: readonly string[]): string[] {
    if (list.length === 0) return EMPTY_LIST;
    const out = new Array<string>(list.length);
    for (let i = 0; i < list.length; i++) out[i] = this.#s(list[i]!);
    return Object.freeze(out) as string[];
  }

  #stringMap(
    map: { [key: string]: string },
    address: string | undefined,
  ): { [key: string]: string } {
    let out: { [key: string]: string } | undefined;
    for (const key in map) {
      out ??= {};
      const value = map[key]!;
      out[this.#s(key)] = value === address ? address : this.#s(value);
    }
    return out ?? EMPTY_MAP;
  }

  #serviceAddresses(
    map: { [key: string]: ServiceAddress },
    address: string,
  ): { [key: string]: ServiceAddress } {
    let out: { [key: string]: ServiceAddress } | undefined;
    for (const key in map) {
      out ??= {};
      const value = map[key]!;
      out[this.#s(key)] = {
        $typeName: value.$typeName,
        Address: value.Address === address ? address : value.Address,
        Port: value.Port,
        $unknown: unknown(value),
      };
    }
    return out ?? EMPTY_MAP;
  }

  #enterpriseMeta(m: EnterpriseMeta): EnterpriseMeta {
    return {
      $typeName: m.$typeName,
      Namespace: this.#s(m.Namespace),
      Partition: this.#s(m.Partition),
      $unknown: unknown(m),
    };
  }

  #locality(l: Locality): Locality {
    return {
      $typeName: l.$typeName,
      Region: this.#s(l.Region),
      Zone: this.#s(l.Zone),
      $unknown: unknown(l),
    };
  }
}

/** A raft index whose bigints are shared with `like`'s (the service's, for a check) when equal. */
function raftIndex(r: RaftIndex, like: RaftIndex | undefined): RaftIndex {
  const create = like && r.CreateIndex === like.CreateIndex ? like.CreateIndex : r.CreateIndex;
  let modify = r.ModifyIndex;
  if (modify === create) modify = create;
  else if (like && modify === like.ModifyIndex) modify = like.ModifyIndex;
  return { $typeName: r.$typeName, CreateIndex: create, ModifyIndex: modify, $unknown: unknown(r) };
}

function weights(w: Weights): Weights {
  if (w.Passing === 1 && w.Warning === 1 && !w.$unknown) return DEFAULT_WEIGHTS;
  return { $typeName: w.$typeName, Passing: w.Passing, Warning: w.Warning, $unknown: unknown(w) };
}

/** Decoded bytes are views into the whole wire message: keep a copy of just these bytes. */
function bytes(value: Uint8Array): Uint8Array {
  if (value.byteLength === 0) return EMPTY_BYTES;
  return value.byteLength === value.buffer.byteLength ? value : value.slice();
}

/**
 * Fields our `.proto` leaves out (a Consul server sends them, SPEC P1) are kept, so a copy
 * encodes as the original did; their bytes are copied off the wire message they point into.
 */
function unknown(message: Message): UnknownField[] | undefined {
  const fields = message.$unknown;
  if (!fields || fields.length === 0) return undefined;
  return fields.map((f) => ({ no: f.no, wireType: f.wireType, data: f.data.slice() }));
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
