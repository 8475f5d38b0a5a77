/**
 * `KeyShare`: one request key's subscription in one registry, shared by every component that
 * uses it (SPEC R2–R5, H5) — one registry lease and one coalesced materializer subscription,
 * fanned out to the components' listeners — and the idle TTL the last ones to leave asked for.
 */
import type {
  Lease,
  MaterializedRequest,
  MaterializerRegistry,
  MaterializerState,
} from "../core/index.js";
import { scheduleTask, subscribeCoalesced } from "../core/schedule-task.js";
import { SelectedResult, type ViewResult } from "./view-result.js";

/** How long an entry outlives a settled suspension, so the retry render finds it (SPEC H2). */
const SUSPENSE_GRACE_MS = 1_000;

/**
 * The shares of each registry, by request key. Weak on the registry (its lifetime owns them);
 * a share leaves its table as soon as no component and no suspension holds it.
 */
const tables = new WeakMap<MaterializerRegistry, Map<string, unknown>>();

/** The share of `request`'s key in `registry`, created on first use. */
export function shareOf<TResult>(
  registry: MaterializerRegistry,
  request: MaterializedRequest<TResult>,
): KeyShare<TResult> {
  let table = tables.get(registry);
  if (!table) {
    table = new Map();
    tables.set(registry, table);
  }
  let share = table.get(request.key) as KeyShare<TResult> | undefined;
  if (!share) {
    const created = new KeyShare(registry, request, table);
    table.set(request.key, created);
    // Created by a render that may never commit: out of the table if nobody joined by then.
    scheduleTask(() => created.leaveIfUnused());
    share = created;
  }
  return share;
}

/**
 * A counter that moves once per task: components that leave a key in the same task (one React
 * commit) leave together, so the TTL one of them asked for does not depend on their order.
 */
let task = 0;
let ticking = false;
function currentTask(): number {
  if (!ticking) {
    ticking = true;
    scheduleTask(() => {
      task++;
      ticking = false;
    });
  }
  return task;
}

/**
 * Holds one registry lease while at least one component listens (the refcount lives here, in
 * the React layer: the registry sees one reference per key, not one per component), forwards
 * the materializer's notifications once per burst to every listener (SPEC H5), and
 * releases the lease when the last listener leaves, so the entry's idle TTL starts exactly then
 * (R4). A component with a `select`, `isEqual` or `idleTtlMs` keeps its own result in a
 * `ViewObserver`; the others use the key's {@link subscribe} and {@link getSnapshot} directly
 * and share one result: they cost the key nothing but a listener.
 *
 * Idle TTL (SPEC H2, R4): when the last listener leaves, the lease is released with the
 * longest `idleTtlMs` asked by the components that left in that same task (or the registry's
 * TTL, when longer or when none asked); what earlier holders asked does not stay on the entry.
 */
export class KeyShare<TResult> {
  readonly #registry: MaterializerRegistry;
  readonly #request: MaterializedRequest<TResult>;
  readonly #table: Map<string, unknown>;
  readonly #listeners = new Set<() => void>();
  /** The result of the components that select nothing: one per key. */
  readonly #plain = new SelectedResult<TResult, TResult>();
  #lease: Lease<TResult> | undefined;
  #unwatch: (() => void) | undefined;
  #suspended: Promise<unknown> | undefined;
  #leavingTask = -1;
  #leavingTtlMs: number | undefined;

  constructor(
    registry: MaterializerRegistry,
    request: MaterializedRequest<TResult>,
    table: Map<string, unknown>,
  ) {
    this.#registry = registry;
    this.#request = request;
    this.#table = table;
  }

  /** Whether this is the share of `key` in `registry` (a hook keeps it while that holds). */
  serves(registry: MaterializerRegistry, key: string): boolean {
    return this.#registry === registry && this.#request.key === key;
  }

  /** The entry's state: the held materializer's, or a peek (no reference) while unheld. */
  get state(): MaterializerState<TResult> | undefined {
    return this.#lease
      ? this.#lease.materializer.getSnapshot()
      : this.#registry.peek(this.#request);
  }

  /** `useSyncExternalStore`'s subscribe for a component with no options of its own. */
  readonly subscribe = (listener: () => void): (() => void) =>
    // React re-reads getSnapshot after subscribing: a change since the render is not lost.
    this.add(listener);

  /** `useSyncExternalStore`'s getSnapshot for a component with no options of its own. */
  readonly getSnapshot = (): ViewResult<TResult> => this.#plain.derive(this.state);

  /**
   * Adds a listener; the first one takes the lease. Returns the function that removes it,
   * called with the `idleTtlMs` the leaving component asks for (R4).
   *
   * A share a render created may have left its table (nobody joined it for a task: a
   * time-sliced render, a Suspense retry) while another took its place: the listener then
   * joins that one, so a key keeps one lease however the render went. A listener joining a
   * lease whose materializer a terminal error stopped is the next request of R5: a fresh
   * materializer replaces it, and the current listeners follow it.
   */
  add(listener: () => void): (idleTtlMs?: number) => void {
    const key = this.#request.key;
    const current = this.#table.get(key) as KeyShare<TResult> | undefined;
    if (current !== undefined && current !== this) return current.add(listener);
    if (current === undefined) this.#table.set(key, this);
    const added = this.#listeners.has(listener) ? () => listener() : listener;
    if (!this.#lease) {
      const lease = this.#registry.acquire(this.#request);
      this.#lease = lease;
      this.#unwatch = this.#watch(lease);
    } else if (this.#lease.materializer.stopped) {
      this.#renew(this.#lease);
    }
    this.#listeners.add(added);
    return (idleTtlMs) => this.#remove(added, idleTtlMs);
  }

  /** Removes a listener that asked for `idleTtlMs`; the last one releases the lease (R4). */
  #remove(added: () => void, idleTtlMs: number | undefined): void {
    if (!this.#listeners.delete(added)) return;
    const now = currentTask();
    if (this.#leavingTask !== now) {
      this.#leavingTask = now;
      this.#leavingTtlMs = undefined;
    }
    if (
      idleTtlMs !== undefined &&
      (this.#leavingTtlMs === undefined || idleTtlMs > this.#leavingTtlMs)
    ) {
      this.#leavingTtlMs = idleTtlMs;
    }
    if (this.#listeners.size > 0) return;
    const lease = this.#lease;
    this.#unwatch?.();
    this.#lease = undefined;
    this.#unwatch = undefined;
    this.leaveIfUnused();
    const keepMs = this.#leavingTtlMs;
    // Any length, Infinity included: the registry waits out a TTL past a timer's range (R4).
    lease?.release(keepMs === undefined ? undefined : { keepMs });
  }

  /**
   * For Suspense: one promise per key that settles at the first complete snapshot (not at the
   * end of the stream), however many components suspend on it. Holds a reference while
   * pending, then leaves the entry to the idle TTL.
   */
  suspend(): Promise<unknown> {
    if (!this.#suspended) {
      const lease = this.#registry.acquire(this.#request);
      this.#suspended = lease.materializer.fetch().finally(() => {
        // With an idle TTL of 0 the entry would close between the settle and the retry render,
        // which would then open a new stream and suspend again, forever: keep it a little
        // longer, this once (not the entry's idle TTL for good, SPEC R4, T3). A terminal error
        // too: the retry render (a fresh mount) must find it, not re-subscribe.
        lease.release({ keepMs: SUSPENSE_GRACE_MS, keepStoppedMs: SUSPENSE_GRACE_MS });
        // Settled (a snapshot, or an error before one): a render still loading suspends anew
        // rather than re-throwing a settled promise in a loop.
        this.#suspended = undefined;
        this.leaveIfUnused();
      });
    }
    return this.#suspended;
  }

  #fanOut = (): void => {
    for (const listener of this.#listeners) listener();
  };

  #watch(lease: Lease<TResult>): () => void {
    const stopUpdates = subscribeCoalesced(lease.materializer.subscribe, this.#fanOut);
    const stopReplaced = lease.onReplaced(() => scheduleTask(() => this.#follow(lease)));
    return () => {
      stopUpdates();
      stopReplaced();
    };
  }

  /**
   * R5: a new request (a refetch, another component) replaced the stopped entry held here:
   * follow the fresh one instead of showing 'failed' until a remount. Only a live one: a holder
   * never opens a stream of its own here (no retry storm between holders, M6).
   */
  #follow(stopped: Lease<TResult>): void {
    if (this.#lease !== stopped) return;
    const current = this.#registry.peek(this.#request);
    if (!current || current.status === "failed") return;
    this.#renew(stopped);
  }

  /** Moves every listener from a stopped lease to a fresh one (R5), and tells them. */
  #renew(stopped: Lease<TResult>): void {
    this.#unwatch?.();
    const lease = this.#registry.acquire(this.#request);
    this.#lease = lease;
    this.#unwatch = this.#watch(lease);
    stopped.release();
    this.#fanOut();
  }

  /** Out of the table once nothing holds it (a later use creates a fresh share). */
  leaveIfUnused(): void {
    if (this.#listeners.size > 0 || this.#suspended) return;
    if (this.#table.get(this.#request.key) === this) {
      this.#table.delete(this.#request.key);
    }
  }
}
