/** The fault soak's steps (fast-check arbitraries) and its figures (issue 7 item 1). */
import fc from "fast-check";
import type { HealthStatus } from "react-submatview/server";
import { NODES, SERVICES, TOKENS } from "./fault-world.js";
import type { Counts } from "./observed-client.js";

/** The registries' idle TTL: its timers wait for the soak to fire them (`ttl` steps). */
export const TTL_MS = 987_654;
export const VIEWERS = 4;
export const STATUSES: HealthStatus[] = ["passing", "warning", "critical"];

export type Action =
  | { kind: "tx"; producer: number; op: number; service: number; node: number; slot: number }
  | { kind: "batch"; producer: number; node: number }
  | { kind: "wait"; ticks: number }
  | { kind: "drop" }
  | { kind: "drop-mid-snapshot" }
  | { kind: "cut-mid-snapshot" }
  | { kind: "cut-mid-batch"; node: number }
  | { kind: "aborted"; token: number }
  | { kind: "snapshot-to-follow"; node: number }
  | { kind: "restart" }
  /** `back`: how far back, in percent of the epoch's indexes (100: the newest, 0: the oldest). */
  | { kind: "restore"; back: number }
  | { kind: "slow" }
  | { kind: "ttl" }
  | { kind: "switch"; viewer: number; service: number; token: number };

const pick = (n: number) => fc.integer({ min: 0, max: n - 1 });

/** Mostly transactions, with every fault kind mixed in. */
export const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant("tx" as const),
      producer: pick(3),
      op: pick(4),
      service: pick(SERVICES.length),
      node: pick(NODES.length),
      slot: pick(3),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("batch" as const),
      producer: pick(3),
      node: pick(NODES.length),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("wait" as const),
      ticks: fc.integer({ min: 1, max: 30 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "drop" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "drop-mid-snapshot" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "cut-mid-snapshot" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("cut-mid-batch" as const), node: pick(NODES.length) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("aborted" as const), token: pick(TOKENS.length) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("snapshot-to-follow" as const),
      node: pick(NODES.length),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "restart" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("restore" as const),
      back: fc.integer({ min: 0, max: 100 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "slow" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "ttl" as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("switch" as const),
      viewer: pick(VIEWERS),
      service: pick(SERVICES.length),
      token: pick(TOKENS.length),
    }),
  },
);

/** Figures over every case run, for RELIABILITY.md. */
export interface Figures {
  cases: number;
  steps: number;
  /** Actions run, by kind; wire effects (`event:*`, `error:*`, `cut`) too. */
  readonly counts: Counts;
  statesChecked: number;
}

export const newFigures = (): Figures => ({ cases: 0, steps: 0, counts: {}, statesChecked: 0 });
