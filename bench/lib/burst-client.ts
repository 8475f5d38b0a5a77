/**
 * An in-memory StreamClient for the React benches: each subscription replays a snapshot of
 * `instances` for its subject, then waits for bursts pushed with `burst(n)` — every event of a
 * burst is yielded back to back in one task, as a buffered network read delivers them.
 */
import type { StreamClient } from "../../src/core/index.js";
import type { Event } from "../../src/gen/index.js";
import { endOfSnapshot } from "./events.js";
import { smallHealth } from "./replay-server.js";

export function burstClient(instances: number) {
  const waiting = new Set<() => void>();
  const pending: Event[] = [];
  let index = 1n;
  let opened = 0;
  const client: StreamClient = {
    async *subscribe(_request, { signal }) {
      opened++;
      for (let i = 0; i < instances; i++) yield smallHealth(1n, i, 0);
      yield endOfSnapshot(1n);
      let seen = 0;
      while (!signal.aborted) {
        while (seen < pending.length) yield pending[seen++]!;
        await new Promise<void>((resolve) => {
          waiting.add(resolve);
          signal.addEventListener("abort", () => resolve(), { once: true });
        });
      }
    },
  };
  return {
    client,
    /** Subscribe streams opened so far. */
    get opened() {
      return opened;
    },
    /** The index of the last pushed event. */
    get index() {
      return index;
    },
    /** Pushes `count` live events over instances 1… (instance 0's slice never changes). */
    burst(count: number) {
      for (let n = 0; n < count; n++) {
        index++;
        pending.push(smallHealth(index, 1 + (n % (instances - 1)), Number(index)));
      }
      const wake = [...waiting];
      waiting.clear();
      for (const resolve of wake) resolve();
    },
  };
}
