/**
 * An insertion-ordered set with O(log n) access by position: the order a `Set` (or a `Map`'s
 * keys) would iterate in, so a seeded simulation that picks "the k-th instance" stays
 * deterministic without copying the set on every pick.
 *
 * Each added key takes the next slot; deleting leaves a hole. A Fenwick tree over the slots
 * counts live keys, so the k-th live key is found by descending the tree. Holes are compacted
 * once they outnumber live keys (amortized O(1) per delete).
 */
export class IndexedSet<K> {
  #slots: Array<K | undefined> = [];
  /** Fenwick tree over `#slots`, 1-based: `#tree[i]` counts live keys in (i - lowbit(i), i]. */
  #tree: number[] = [0];
  readonly #slotOf = new Map<K, number>();

  get size(): number {
    return this.#slotOf.size;
  }

  has(key: K): boolean {
    return this.#slotOf.has(key);
  }

  /** Adds `key` at the end; a key already present keeps its position (as `Set.add`). */
  add(key: K): void {
    if (this.#slotOf.has(key)) return;
    const slot = this.#slots.length;
    this.#slots.push(key);
    this.#slotOf.set(key, slot);
    const i = slot + 1;
    // The new node covers (i - lowbit(i), i]: the new key plus the live keys before it there.
    this.#tree.push(1 + this.#prefix(i - 1) - this.#prefix(i - (i & -i)));
  }

  delete(key: K): boolean {
    const slot = this.#slotOf.get(key);
    if (slot === undefined) return false;
    this.#slotOf.delete(key);
    this.#slots[slot] = undefined;
    for (let i = slot + 1; i < this.#tree.length; i += i & -i)
      this.#tree[i] = (this.#tree[i] ?? 0) - 1;
    if (this.#slots.length > 64 && this.#slots.length > 2 * this.#slotOf.size) this.#compact();
    return true;
  }

  /** The key at `position` (0-based, in insertion order), or `undefined` out of range. */
  at(position: number): K | undefined {
    if (!Number.isInteger(position) || position < 0 || position >= this.#slotOf.size)
      return undefined;
    const length = this.#slots.length;
    let step = 1;
    while (step * 2 <= length) step *= 2;
    let pos = 0;
    let remaining = position + 1;
    for (; step > 0; step >>= 1) {
      const next = pos + step;
      const count = this.#tree[next] ?? 0;
      if (next <= length && count < remaining) {
        pos = next;
        remaining -= count;
      }
    }
    return this.#slots[pos];
  }

  *values(): IterableIterator<K> {
    for (const key of this.#slots) if (key !== undefined) yield key;
  }

  #prefix(i: number): number {
    let sum = 0;
    for (; i > 0; i -= i & -i) sum += this.#tree[i] ?? 0;
    return sum;
  }

  #compact(): void {
    const slots: K[] = [];
    for (const key of this.#slots) if (key !== undefined) slots.push(key);
    const tree = new Array<number>(slots.length + 1).fill(1);
    tree[0] = 0;
    // Linear Fenwick build: push each node's count up to its parent.
    for (let i = 1; i <= slots.length; i++) {
      const parent = i + (i & -i);
      if (parent <= slots.length) tree[parent] = (tree[parent] ?? 0) + (tree[i] ?? 0);
    }
    for (let slot = 0; slot < slots.length; slot++) this.#slotOf.set(slots[slot] as K, slot);
    this.#slots = slots;
    this.#tree = tree;
  }
}
