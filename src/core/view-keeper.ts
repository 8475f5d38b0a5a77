/**
 * The view side of a materializer (SPEC M3–M5, M10): the view and the index of its content, its
 * result built at most once per index, and the last published value kept while a reset rebuilds
 * the view. The materializer owns the stream and the notifications; this owns what they publish.
 */
import type { Event } from "../gen/index.js";
import { ProtocolError } from "./errors.js";
import { RollbackJournal } from "./rollback-journal.js";
import type { View } from "./types.js";

/** A result built for an index (M10). */
interface Built<TResult> {
  readonly index: bigint;
  readonly value: TResult;
}

export class ViewKeeper<TResult> {
  readonly #view: View<TResult>;
  /** Called before the view changes: a state already handed out fixes its value first. */
  readonly #beforeChange: () => void;
  /** Index of the view's current content: 0 while no complete snapshot is applied. */
  #index = 0n;
  /** Index of the published state: the last update applied, kept through a reset. */
  #publishedIndex = 0n;
  /** The published value, kept once the view has moved past it (during a reset). */
  #frozen: { readonly index: bigint; readonly value: TResult | undefined } | undefined;
  #result: Built<TResult> | undefined;
  #resetPending = false;
  #resets = 0;
  #eventsApplied = 0;
  /** For a view without `atomicUpdates`: what puts it back after a rejected update (M5). */
  readonly #journal: RollbackJournal | undefined;

  constructor(view: View<TResult>, beforeChange: () => void) {
    this.#view = view;
    this.#beforeChange = beforeChange;
    this.#journal = view.atomicUpdates === true ? undefined : new RollbackJournal();
  }

  /** The index of the view (0 until a complete snapshot is applied, and during a reset). */
  get index(): bigint {
    return this.#index;
  }

  /** The index of the published state (kept through a reset until the new snapshot lands). */
  get publishedIndex(): bigint {
    return this.#publishedIndex;
  }

  /** How many times the view was thrown away and rebuilt from a new snapshot. */
  get resets(): number {
    return this.#resets;
  }

  /** Events the view accepted since creation (snapshots included; a rollback's replay is not). */
  get eventsApplied(): number {
    return this.#eventsApplied;
  }

  /**
   * Applies one update (a whole snapshot or one live wire event) at `index` (M3, M4); returns
   * whether it completed a reset. A rejected update throws a {@link ProtocolError} and leaves no
   * trace (M5): the result at the previous index stays what it was.
   */
  apply(events: readonly Event[], index: bigint): boolean {
    const journal = this.#journal;
    const live = this.#index > 0n;
    // A view that may throw half-way, with no journal to put it back: build the result first (O(n)).
    if (live && journal && !journal.active) this.resultAt(this.#index);
    this.#beforeChange();
    const previous = this.#result;
    this.#result = undefined;
    try {
      this.#view.update(events);
    } catch (error) {
      // The view is unchanged (atomic), put back by the journal, or its result was built above.
      if (live && journal?.active) this.#rollBack(journal, previous);
      // A snapshot (or seed) rejected half-way leaves the view empty again, not half-filled:
      // the next snapshot must not land on top of it (M5, H4). An atomic view is empty anyway.
      else if (!live) this.#view.reset();
      this.#result = previous;
      if (error instanceof ProtocolError) throw error;
      throw new ProtocolError(`the view rejected the events at index ${index}`, { cause: error });
    }
    if (journal) {
      if (live) journal.applied(events, this.#view);
      else journal.start(events);
    }
    this.#eventsApplied += events.length;
    this.#index = index;
    this.#publishedIndex = index;
    this.#frozen = undefined;
    const reset = this.#resetPending;
    this.#resetPending = false;
    if (reset) this.#resets++;
    return reset;
  }

  /** Lets the view prepare an event as it arrives (`View.prepare`). */
  prepare(event: Event): void {
    this.#view.prepare?.(event);
  }

  /** Throws the view away (index 0); the published state stays until the next snapshot. */
  reset(): void {
    // The last good state stays published (no flash) until the new snapshot is complete.
    if (this.#publishedIndex > 0n && !this.#frozen) {
      this.#frozen = { index: this.#publishedIndex, value: this.publishedValue() };
    }
    // A state object already handed out computes its value now, while the view is still at it.
    this.#beforeChange();
    this.#result = undefined;
    if (this.#index > 0n || this.#publishedIndex > 0n) this.#resetPending = true;
    this.#journal?.stop();
    this.#view.reset();
    this.#index = 0n;
  }

  /** Replays the journal into the view, back at the previous index (M5). */
  #rollBack(journal: RollbackJournal, built: Built<TResult> | undefined): void {
    try {
      journal.restore(this.#view);
    } catch {
      // The view rejected a replay of what it accepted: unless a reader built the previous
      // result, that state is gone — published as no value, never as a half-applied one.
      journal.stop();
      this.#view.reset();
      const index = this.#publishedIndex;
      this.#frozen = { index, value: built?.index === index ? built.value : undefined };
    }
  }

  /** The view's result at `index`, computed at most once per index (M10). */
  resultAt(index: bigint): TResult {
    if (this.#result?.index !== index) this.#result = { index, value: this.#view.result(index) };
    return this.#result.value;
  }

  /** The value of the published state (which describes `publishedIndex`). */
  publishedValue(): TResult | undefined {
    if (this.#frozen?.index === this.#publishedIndex) return this.#frozen.value;
    if (this.#index > 0n && this.#index === this.#publishedIndex) return this.resultAt(this.#index);
    return undefined;
  }

  /**
   * The published value for a new state object: a function computing it on first read while
   * the view is at the published index (a result is O(n) to build), else the value itself.
   */
  stateValue(): TResult | undefined | (() => TResult) {
    const index = this.#publishedIndex;
    if (this.#frozen?.index === index || this.#index !== index || index === 0n)
      return this.publishedValue();
    return () => this.resultAt(index);
  }

  /** Events that rebuild the view's current content, when the view supports it. */
  snapshotEvents(): { events: Event[]; index: bigint } | undefined {
    if (this.#index === 0n || !this.#view.snapshotEvents) return undefined;
    return { events: this.#view.snapshotEvents(), index: this.#index };
  }
}
