/** A row of {@link SortedRows}: a value and its bookkeeping flags. */
export interface SortedRow<T> {
  value: T;
  /** Changed since the last read-out (queued once). */
  dirty: boolean;
  /** Still present (false once removed). */
  live: boolean;
}

/**
 * Rows with a sorted read-out (SPEC V4), keyed by whoever holds the row handles: `add`,
 * `update` and `remove` cost O(1); `values()` builds a fresh sorted array in O(n + k log k)
 * for the k rows changed since the previous read-out, by merging the previous order with the
 * sorted changes — nothing is re-sorted per event, and nothing is built until someone reads.
 */
export class SortedRows<T> {
  #changed: SortedRow<T>[] = [];
  #sorted: SortedRow<T>[] = [];
  readonly #compare: (a: T, b: T) => number;

  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  add(value: T): SortedRow<T> {
    const row = { value, dirty: true, live: true };
    this.#changed.push(row);
    return row;
  }

  update(row: SortedRow<T>, value: T): void {
    row.value = value;
    if (!row.dirty) {
      row.dirty = true;
      this.#changed.push(row);
    }
  }

  remove(row: SortedRow<T>): void {
    row.live = false;
    if (!row.dirty) {
      row.dirty = true;
      this.#changed.push(row);
    }
  }

  clear(): void {
    this.#changed = [];
    this.#sorted = [];
  }

  /** A fresh array of the values in order; the caller may keep it (nothing aliases it). */
  values(): T[] {
    if (this.#changed.length > 0) this.#sorted = this.#merge();
    const sorted = this.#sorted;
    const out = new Array<T>(sorted.length);
    for (let i = 0; i < out.length; i++) out[i] = sorted[i]!.value;
    return out;
  }

  #merge(): SortedRow<T>[] {
    const compare = this.#compare;
    const changed = this.#changed;
    this.#changed = [];
    const added = changed.filter((row) => row.live);
    added.sort((a, b) => compare(a.value, b.value));
    const kept = this.#sorted;
    const merged: SortedRow<T>[] = [];
    let i = 0;
    let j = 0;
    while (i < kept.length || j < added.length) {
      const left = kept[i];
      // A changed row leaves its old place; if still live it comes back from `added`.
      if (left?.dirty) {
        i++;
        continue;
      }
      const right = added[j];
      if (right && (!left || compare(right.value, left.value) < 0)) {
        merged.push(right);
        j++;
      } else if (left) {
        merged.push(left);
        i++;
      }
    }
    for (const row of changed) row.dirty = false;
    return merged;
  }
}

/**
 * Keyed entries with a sorted read-out (SPEC V4): {@link SortedRows} behind a string key;
 * `set` and `delete` cost one hash lookup.
 */
export class SortedIndex<T> {
  readonly #rows = new Map<string, SortedRow<T>>();
  readonly #sorted: SortedRows<T>;

  constructor(compare: (a: T, b: T) => number) {
    this.#sorted = new SortedRows(compare);
  }

  get size(): number {
    return this.#rows.size;
  }

  get(key: string): T | undefined {
    return this.#rows.get(key)?.value;
  }

  set(key: string, value: T): void {
    const row = this.#rows.get(key);
    if (row) this.#sorted.update(row, value);
    else this.#rows.set(key, this.#sorted.add(value));
  }

  delete(key: string): void {
    const row = this.#rows.get(key);
    if (!row) return;
    this.#rows.delete(key);
    this.#sorted.remove(row);
  }

  clear(): void {
    this.#rows.clear();
    this.#sorted.clear();
  }

  /** A fresh array of the values in order; the caller may keep it (nothing aliases it). */
  values(): T[] {
    return this.#sorted.values();
  }
}
