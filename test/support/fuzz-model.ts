/**
 * The model of the malformed-input fuzzer (issue 7 item 2): a generated server history (states
 * at each index), generated stream plans (snapshot, resume or stale resume, live transactions,
 * batching, one injected fault, an ending), and `buildStream`, which turns a plan into the wire
 * items a server would send for a request index together with what a correct client must do
 * next (the index it resubscribes from, whether it surfaces a ProtocolError).
 */
import fc from "fast-check";
import { ev } from "./pushable-client.js";
import type { EventInit } from "./raw-server.js";

const ids = ["a", "b", "c", "d", "e"] as const;
type Op = { readonly op: "reg" | "dereg"; readonly id: string };

/** M5 faults a client can detect (each ends the stream: reset, resubscribe at 0). */
export const protocolFaults = [
  "unknownPayload",
  "foreignPayload",
  "halfBatch",
  "nstfMid",
  "eosExtra",
  "regress",
  "mixedBatch",
  "eosZero",
  "eosOnResume",
] as const;
/** Corrupted bytes: the transport raises a ConnectError (M6 retry: keep the view, resume). */
export const wireFaults = ["garbled", "truncated", "badFlags"] as const;
export type FaultKind = (typeof protocolFaults)[number] | (typeof wireFaults)[number];
export type Ending = "end" | "aborted" | "unavailable";

export interface Plan {
  readonly snapshotAt: number;
  readonly stale: boolean;
  readonly live: number;
  readonly chunk: number;
  readonly fault: { readonly kind: FaultKind; readonly at: number; readonly back: number } | null;
  readonly ending: Ending;
}

export interface Sequence {
  /** Materialize with a view that is not all-or-nothing (a user-written one). */
  readonly naive: boolean;
  readonly txs: ReadonlyArray<{ readonly gap: number; readonly ops: readonly Op[] }>;
  readonly streams: readonly Plan[];
}

const arbOp = fc.record({
  op: fc.constantFrom("reg" as const, "dereg" as const),
  id: fc.constantFrom(...ids),
});
export const arbPlan: fc.Arbitrary<Plan> = fc.record({
  snapshotAt: fc.nat(20),
  stale: fc.boolean(),
  live: fc.nat(6),
  chunk: fc.integer({ min: 1, max: 3 }),
  fault: fc.option(
    fc.record({
      kind: fc.constantFrom<FaultKind>(...protocolFaults, ...wireFaults),
      at: fc.nat(100),
      back: fc.nat(2),
    }),
    { freq: 3 },
  ),
  ending: fc.constantFrom<Ending>("end", "aborted", "unavailable"),
});
export const arbSequence: fc.Arbitrary<Sequence> = fc.record({
  naive: fc.boolean(),
  // At least two transactions: the last one is only ever sent by the final, good stream.
  txs: fc.array(
    fc.record({
      gap: fc.integer({ min: 1, max: 3 }),
      ops: fc.array(arbOp, { minLength: 1, maxLength: 3 }),
    }),
    {
      minLength: 2,
      maxLength: 8,
    },
  ),
  streams: fc.array(arbPlan, { maxLength: 6 }),
});

/** The server's history: index 1 is the empty state (P5), then one index per transaction. */
export class History {
  readonly indexes: bigint[] = [1n];
  readonly states = new Map<bigint, string[]>([[1n, []]]);
  readonly #ops = new Map<bigint, readonly Op[]>();

  constructor(txs: Sequence["txs"]) {
    let index = 1n;
    let state = new Set<string>();
    for (const tx of txs) {
      index += BigInt(tx.gap);
      state = new Set(state);
      for (const { op, id } of tx.ops) op === "reg" ? state.add(id) : state.delete(id);
      this.indexes.push(index);
      this.states.set(index, [...state].sort());
      this.#ops.set(index, tx.ops);
    }
  }

  /** The last index: only the final good stream reaches it. */
  get final(): bigint {
    return this.indexes[this.indexes.length - 1]!;
  }

  /** The wire event of the transaction at `index` (a batch when it has several events). */
  live(index: bigint): EventInit {
    const ops = this.#ops.get(index)!.map(({ op, id }) => health(op, index, id));
    return ops.length === 1 ? ops[0]! : ev.batch(index, ops);
  }
}

const health = (op: "reg" | "dereg", index: bigint, id: string) =>
  op === "reg" ? ev.register(index, id, id) : ev.deregister(index, id, id);

/** One item of a stream: a wire event, or corrupted bytes that end it (a wire fault). */
export type Item = { readonly event: EventInit } | { readonly wire: (typeof wireFaults)[number] };

export interface BuiltStream {
  readonly items: Item[];
  /** Ends after the items; `null` for a stream cut by its fault, `hold` for the final one. */
  readonly ending: Ending | "hold" | null;
  /** Whether a correct client surfaces a ProtocolError for this stream (M5). */
  readonly fault: boolean;
  /** The index a correct client resubscribes from after this stream. */
  readonly next: bigint;
  /** The fault injected (after adapting it to the stream's shape), if any. */
  readonly kind: FaultKind | null;
}

/**
 * What a server following `plan` sends to a request at `from`, with at most `limit` as the
 * highest index (the final transaction is kept for the final stream); `plan` null: the final,
 * good stream (everything up to the last index, then held open).
 */
export function buildStream(history: History, from: bigint, plan: Plan | null): BuiltStream {
  const limit = plan ? history.indexes.length - 1 : history.indexes.length;
  const usable = history.indexes.slice(0, limit);
  const resume = from > 0n && usable.includes(from) && (plan === null || !plan.stale);
  const items: Item[] = [];
  // Positions of the base items, and the index a client has applied after each one.
  const applied: bigint[] = [];
  let at = resume ? from : 0n;
  if (!resume) {
    if (from > 0n) {
      items.push({ event: ev.newSnapshot() });
      applied.push(0n);
    }
    const s = plan ? usable[plan.snapshotAt % usable.length]! : history.final;
    const ids = history.states.get(s)!;
    const chunk = plan?.chunk ?? 2;
    for (let i = 0; i < ids.length; i += chunk) {
      const members = ids.slice(i, i + chunk).map((id) => ev.register(s, id, id));
      items.push({ event: chunk === 1 ? members[0]! : ev.batch(s, members) });
      applied.push(at);
    }
    items.push({ event: ev.end(s) });
    at = s;
    applied.push(at);
  }
  const liveStart = items.length;
  const later = usable.filter((index) => index > at);
  for (const index of plan ? later.slice(0, plan.live) : later) {
    items.push({ event: history.live(index) });
    at = index;
    applied.push(at);
  }
  if (!plan) return { items, ending: "hold", fault: false, next: at, kind: null };
  const base = { applied, liveStart, resume, from };
  if (plan.fault) return inject(items, plan.fault, base);
  const next = plan.ending === "aborted" ? 0n : at;
  return { items, ending: plan.ending, fault: false, next, kind: null };
}

interface Base {
  readonly applied: readonly bigint[];
  readonly liveStart: number;
  readonly resume: boolean;
  readonly from: bigint;
}

/** Inserts one fault where the client can detect it; the stream ends there. */
function inject(items: Item[], fault: NonNullable<Plan["fault"]>, base: Base): BuiltStream {
  let kind = fault.kind;
  if (kind === "eosZero" && base.resume) kind = "unknownPayload";
  if (kind === "eosOnResume" && !base.resume) kind = "eosExtra";
  // NewSnapshotToFollow first on a resumed stream is a valid stale resume, not a fault.
  if (kind === "nstfMid" && base.from > 0n && items.length === 0) kind = "unknownPayload";
  const pick = (min: number) => min + Math.floor((fault.at / 101) * (items.length - min + 1));
  // The client's index once the items before `pos` are handled (a stale resume resets at NSTF).
  const before = (pos: number) => (pos === 0 ? base.from : base.applied[pos - 1]!);
  const cut = (pos: number, item: Item, isFault = true): BuiltStream => {
    const kept = [...items.slice(0, pos), item];
    const next = isFault ? 0n : before(pos);
    return { items: kept, ending: null, fault: isFault, next, kind };
  };
  const foreign: EventInit = { Index: 0n, Payload: { case: "ConfigEntry", value: {} } };
  switch (kind) {
    case "garbled":
    case "truncated":
    case "badFlags": {
      const pos = pick(0);
      return cut(pos, { wire: kind }, false);
    }
    case "unknownPayload": {
      const pos = pick(0);
      return cut(pos, { event: { Index: before(pos) + 1n } });
    }
    case "foreignPayload":
    case "halfBatch": {
      // Live only: in a snapshot, the view rejects it at EndOfSnapshot, which must then come.
      const pos = pick(base.liveStart);
      const index = before(pos) + 1n;
      const bad = { ...foreign, Index: index };
      const event =
        kind === "halfBatch" ? ev.batch(index, [ev.register(index, "z", "z"), bad]) : bad;
      return cut(pos, { event });
    }
    case "nstfMid":
      return cut(pick(1), { event: ev.newSnapshot() });
    case "eosExtra":
    case "regress":
    case "mixedBatch": {
      const pos = pick(base.liveStart);
      const last = before(pos);
      if (kind === "eosExtra") return cut(pos, { event: ev.end(last) });
      if (kind === "regress") {
        const index = last > BigInt(fault.back) ? last - BigInt(fault.back) : 0n;
        return cut(pos, { event: ev.register(index, "z", "z") });
      }
      const mixed = ev.batch(last + 1n, [
        ev.register(last + 1n, "z", "z"),
        ev.deregister(last + 2n, "a", "a"),
      ]);
      return cut(pos, { event: mixed });
    }
    case "eosZero": {
      const end = base.liveStart - 1;
      return cut(end, { event: ev.end(0n) });
    }
    case "eosOnResume":
      return cut(0, { event: ev.end(base.from + 1n) });
  }
}
