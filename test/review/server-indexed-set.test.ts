// Review of IndexedSet (the catalog's registration order, SPEC S3's seeded simulations): after
// any sequence of adds and deletes (through compactions), `at(k)` and `values()` agree with the
// insertion order a `Set` keeps.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { IndexedSet } from "../../src/server/indexed-set.js";

describe("review: IndexedSet matches a Set's order", () => {
  test("random adds and deletes, through compactions", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 150 })), { maxLength: 600 }),
        (ops) => {
          const model = new Set<number>();
          const set = new IndexedSet<number>();
          for (const [add, key] of ops) {
            if (add) {
              model.add(key);
              set.add(key);
            } else expect(set.delete(key)).toBe(model.delete(key));
          }
          const order = [...model];
          expect([...set.values()]).toEqual(order);
          expect(set.size).toBe(order.length);
          for (let k = 0; k < order.length; k++) expect(set.at(k)).toBe(order[k]);
          expect(set.at(order.length)).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });
});
