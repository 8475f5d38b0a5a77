/**
 * The registry's server-render glue (SPEC H4): the snapshots a client registry starts from,
 * each used once, and `dehydrateEntries`, which writes the entries' snapshots for the client.
 */
import type { Event } from "../gen/index.js";
import { type DehydratedEntry, decodeSnapshot, encodeSnapshot } from "./dehydration.js";
import type { DehydratedState, Logger } from "./types.js";

/** Dehydrated snapshots not yet used, by key; a key's snapshot seeds its first entry only. */
export class DehydratedSeeds {
  readonly #seeds: Map<string, DehydratedEntry>;
  readonly #logger: Required<Logger>;

  constructor(state: DehydratedState | undefined, logger: Required<Logger>) {
    this.#seeds = new Map((state?.entries ?? []).map((e) => [e.key, e]));
    this.#logger = logger;
  }

  has(key: string): boolean {
    return this.#seeds.has(key);
  }

  /** Seeds `materializer` with `key`'s snapshot, if any, and forgets it. */
  seed(key: string, materializer: { seed(events: readonly Event[], index: bigint): void }): void {
    const seed = this.#seeds.get(key);
    if (!seed) return;
    this.#seeds.delete(key);
    try {
      const { events, index } = decodeSnapshot(seed);
      materializer.seed(events, index);
    } catch (error) {
      // A bad seed costs a fresh snapshot, nothing more.
      this.#logger.warn("ignoring an unreadable dehydrated snapshot", {
        key,
        error: String(error),
      });
    }
  }
}

/** JSON-safe snapshots of the entries whose views support it (SPEC H4). */
export function dehydrateEntries(
  entries: Iterable<{
    readonly key: string;
    readonly materializer: { snapshotEvents(): { events: Event[]; index: bigint } | undefined };
  }>,
): DehydratedState {
  const out: DehydratedEntry[] = [];
  for (const entry of entries) {
    const snapshot = entry.materializer.snapshotEvents();
    if (snapshot) out.push(encodeSnapshot(entry.key, snapshot.events, snapshot.index));
  }
  return { entries: out };
}
