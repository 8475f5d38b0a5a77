/**
 * A bounded intern table: strings that repeat across a view's instances (datacenter, service
 * name, tags, meta, check names and statuses) are kept once instead of once per decoded
 * message (issue 10: heap per instance).
 */

/**
 * Two generations of at most `limit` strings each: a string seen in the young one is returned
 * as is; one found in the old one moves to the young one. When the young one fills up it
 * becomes the old one and the former old one is dropped, so strings still in use survive and a
 * churn of unique strings (node addresses, check output) cannot grow the table past
 * `2 × limit` (about 0.3 MB at most). Strings longer than `maxLength` pass through: hashing
 * them costs more than they are likely to save.
 */
export class StringInterner {
  readonly #limit: number;
  readonly #maxLength: number;
  #young = new Map<string, string>();
  #old = new Map<string, string>();

  constructor(limit = 1024, maxLength = 128) {
    this.#limit = limit;
    this.#maxLength = maxLength;
  }

  /** The table's copy of `value` (`value` itself the first time it is seen). */
  intern(value: string): string {
    if (value.length === 0 || value.length > this.#maxLength) return value;
    const young = this.#young.get(value);
    if (young !== undefined) return young;
    const kept = this.#old.get(value) ?? value;
    if (this.#young.size >= this.#limit) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(kept, kept);
    return kept;
  }

  /** Strings held (both generations; a string may be in both). */
  get size(): number {
    return this.#young.size + this.#old.size;
  }

  clear(): void {
    this.#young.clear();
    this.#old.clear();
  }
}
