interface Row<T> {
  readonly key: string;
  readonly value: T;
}

/**
 * Keyed entries with a sorted read-out (SPEC V4): `set` and `delete` are O(1); `values()` builds
 * a fresh sorted array in O(n + k log k) for k keys changed since the previous read-out, by
 * merging the previous order with the sorted changes — the whole view is never re-sorted per
 * event, and nothing is built until someone reads.
 */
export class SortedIndex<T> {
  readonly #entries = new Map<string, T>();
  readonly #changed = new Set<string>();
  #sorted: Row<T>[] = [];
  readonly #compare: (a: T, b: T) => number;

  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): T | undefined {
    return this.#entries.get(key);
  }

  set(key: string, value: T): void {
    this.#entries.set(key, value);
    this.#changed.add(key);
  }

  delete(key: string): void {
    if (this.#entries.delete(key)) this.#changed.add(key);
  }

  clear(): void {
    this.#entries.clear();
    this.#changed.clear();
    this.#sorted = [];
  }

  /** A fresh array of the values in order; the caller may keep it (nothing aliases it). */
  values(): T[] {
    if (this.#changed.size > 0) this.#sorted = this.#merge();
    const out = new Array<T>(this.#sorted.length);
    for (let i = 0; i < out.length; i++) out[i] = this.#sorted[i]!.value;
    return out;
  }

  #merge(): Row<T>[] {
    // Rows of the previous order whose key changed are stale: a current value is in `added`.
    const stale = this.#changed;
    const added: Row<T>[] = [];
    for (const key of stale) {
      const value = this.#entries.get(key);
      if (value !== undefined) added.push({ key, value });
    }
    const compare = this.#compare;
    added.sort((a, b) => compare(a.value, b.value));
    const kept = this.#sorted;
    const merged: Row<T>[] = [];
    let i = 0;
    let j = 0;
    while (i < kept.length || j < added.length) {
      const left = kept[i];
      if (left && stale.has(left.key)) {
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
    stale.clear();
    return merged;
  }
}
