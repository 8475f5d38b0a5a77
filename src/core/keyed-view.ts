import type { Event } from "../gen/index.js";
import { SortedIndex } from "./sorted-index.js";
import type { View } from "./types.js";

/** What one event does to a keyed view: upsert a value, delete a key, or nothing (`null`). */
export type KeyedChange<TItem> =
  | { readonly key: string; readonly value: TItem }
  | { readonly key: string; readonly delete: true }
  | null;

export interface KeyedViewOptions<TItem> {
  /** Maps an event to a change; throw for an event the view cannot take (a protocol fault, M5). */
  apply(event: Event): KeyedChange<TItem>;
  /** Order of `items` in the result. */
  compare(a: TItem, b: TItem): number;
}

export interface KeyedResult<TItem> {
  readonly items: readonly TItem[];
  readonly index: bigint;
}

/**
 * A generic view for any topic (SPEC V3): entries keyed by `apply`'s key, upserted or deleted
 * per event, read out sorted by `compare`. Updates are O(1) per event and atomic (a throwing
 * `apply` leaves the view untouched, M5); a result is built at most once per index, as a fresh
 * array (V4, M10).
 */
export class KeyedView<TItem> implements View<KeyedResult<TItem>> {
  readonly #options: KeyedViewOptions<TItem>;
  readonly #entries: SortedIndex<TItem>;
  /** Scratch list of one update's changes, reused (no allocation per update). */
  readonly #changes: KeyedChange<TItem>[] = [];
  #last: KeyedResult<TItem> | undefined;

  constructor(options: KeyedViewOptions<TItem>) {
    this.#options = options;
    this.#entries = new SortedIndex(options.compare);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** All or nothing (SPEC M5): every event is mapped before the first change is made. */
  readonly atomicUpdates = true;

  update(events: readonly Event[]): void {
    // `apply` may throw on any event: map the whole batch first, then change the entries.
    const changes = this.#changes;
    try {
      for (const event of events) changes.push(this.#options.apply(event));
      this.#last = undefined;
      for (const change of changes) {
        if (!change) continue;
        if ("delete" in change) this.#entries.delete(change.key);
        else this.#entries.set(change.key, change.value);
      }
    } finally {
      changes.length = 0;
    }
  }

  /** The current items in order (a fresh array). */
  items(): TItem[] {
    return this.#entries.values();
  }

  result(index: bigint): KeyedResult<TItem> {
    if (this.#last?.index !== index) this.#last = { items: this.#entries.values(), index };
    return this.#last;
  }

  reset(): void {
    this.#last = undefined;
    this.#entries.clear();
  }
}
