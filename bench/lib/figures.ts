/**
 * What every benchmark group hands the runner: figures (one measured number each, with the
 * baseline it is a ratio against, measured in the same run) and chart specs. Helpers for
 * interleaved rounds and medians live here too.
 */
import { writeFileSync } from "node:fs";

export interface Baseline {
  readonly name: string;
  readonly value: number;
}

/** One entry of bench/results.json. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline: Baseline | null;
  /** value / baseline.value (null without a baseline). */
  readonly ratio: number | null;
  /** Human-readable target, e.g. "ratio ≤ 1.1"; null for a figure reported for context. */
  readonly target: string | null;
  /** Whether the target holds (null without a target). Never fails a run: figures are noisy. */
  readonly pass: boolean | null;
}

export interface LineSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

export type Chart =
  | {
      readonly kind: "bar";
      readonly file: string;
      readonly title: string;
      readonly unit: string;
      /** `text` replaces the printed value (e.g. a 0 drawn as a sliver on a log scale). */
      readonly bars: readonly {
        readonly label: string;
        readonly value: number;
        readonly text?: string;
      }[];
      /** A vertical target line, in the bars' unit. */
      readonly target?: number;
      readonly log?: boolean;
    }
  | {
      readonly kind: "line";
      readonly file: string;
      readonly title: string;
      readonly xLabel: string;
      readonly unit: string;
      readonly series: readonly LineSeries[];
      readonly log?: boolean;
    };

export interface GroupResult {
  readonly group: string;
  readonly title: string;
  /** How it was measured (sizes, rounds) — printed above the group's figures. */
  readonly setup: string;
  readonly figures: Figure[];
  readonly charts: Chart[];
}

/** Target forms: the ratio (or value) must be at most / at least `limit`. */
export type Target =
  | { readonly ratioAtMost: number }
  | { readonly ratioAtLeast: number }
  | { readonly valueAtMost: number };

export function figure(
  name: string,
  value: number,
  unit: string,
  baseline?: Baseline,
  target?: Target,
): Figure {
  const ratio = baseline ? value / baseline.value : null;
  let text: string | null = null;
  let pass: boolean | null = null;
  if (target && "ratioAtMost" in target) {
    text = `ratio ≤ ${target.ratioAtMost}`;
    pass = ratio !== null && ratio <= target.ratioAtMost;
  } else if (target && "ratioAtLeast" in target) {
    text = `ratio ≥ ${target.ratioAtLeast}`;
    pass = ratio !== null && ratio >= target.ratioAtLeast;
  } else if (target && "valueAtMost" in target) {
    text = `≤ ${target.valueAtMost} ${unit}`;
    pass = value <= target.valueAtMost;
  }
  return { name, value, unit, baseline: baseline ?? null, ratio, target: text, pass };
}

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) throw new Error("median of no samples");
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export const quick = process.env.BENCH_QUICK === "1";

/** Rounds after one warm-up: BENCH_ROUNDS, else 5 (1 in --quick). */
export const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 5));

/**
 * Runs every case once per round, interleaved (a, b, c, a, b, c…) so a slow patch of the
 * machine hits all cases alike; round 0 warms the JIT and is dropped. Returns samples per case.
 */
export async function interleave<K extends string>(
  cases: Record<K, () => Promise<number> | number>,
  count = rounds,
): Promise<Record<K, number[]>> {
  const keys = Object.keys(cases) as K[];
  const samples = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < count + 1; r++) {
    for (const key of keys) {
      gc();
      const value = await cases[key]();
      if (r > 0) samples[key].push(value);
    }
  }
  return samples;
}

/** A full collection when run with --expose-gc (the runner sets it); a no-op otherwise. */
export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Heap in use after two full collections (bytes). */
export function settledHeap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * CPU time of this process in ms (user + system, every thread: GC helpers included). The
 * benchmarks time with it, not the wall clock: the machine is shared, and a wall clock bills
 * a case for whatever else ran meanwhile; CPU time counts only the work this process did.
 */
export function now(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** A benchmark whose result is wrong is broken: the run fails (figures never fail it). */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`broken benchmark: ${message}`);
}

/** Writes the group's result where the runner asked (argv[2]), or prints it. */
export function emit(result: GroupResult): void {
  const out = process.argv[2];
  const json = JSON.stringify(result, null, 2);
  if (out) writeFileSync(out, json);
  else console.log(json);
}
