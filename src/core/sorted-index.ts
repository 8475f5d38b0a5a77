interface Row<T> {
  readonly key: string;
  value: T;
  /** Changed since the last read-out (queued in `changed` once). */
  dirty: boolean;
  /** Still in the index (false once deleted). */
  live: boolean;
}

/**
 * Keyed entries with a sorted read-out (SPEC V4): `set` and `delete` cost one hash lookup;
 * `values()` builds a fresh sorted array in O(n + k log k) for the k entries changed since the
 * previous read-out, by merging the previous order with the sorted changes — the whole view is
 * never re-sorted per event, and nothing is built until someone reads.
 */
export class SortedIndex<T> {
  readonly #rows = new Map<string, Row<T>>();
  #changed: Row<T>[] = [];
  #sorted: Row<T>[] = [];
  readonly #compare: (a: T, b: T) => number;

  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  get size(): number {
    return this.#rows.size;
  }

  get(key: string): T | undefined {
    return this.#rows.get(key)?.value;
  }

  set(key: string, value: T): void {
    let row = this.#rows.get(key);
    if (row) {
      row.value = value;
    } else {
      row = { key, value, dirty: false, live: true };
      this.#rows.set(key, row);
    }
    if (!row.dirty) {
      row.dirty = true;
      this.#changed.push(row);
    }
  }

  delete(key: string): void {
    const row = this.#rows.get(key);
    if (!row) return;
    this.#rows.delete(key);
    row.live = false;
    if (!row.dirty) {
      row.dirty = true;
      this.#changed.push(row);
    }
  }

  clear(): void {
    this.#rows.clear();
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

  #merge(): Row<T>[] {
    const compare = this.#compare;
    const changed = this.#changed;
    this.#changed = [];
    const added = changed.filter((row) => row.live);
    added.sort((a, b) => compare(a.value, b.value));
    const kept = this.#sorted;
    const merged: Row<T>[] = [];
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
