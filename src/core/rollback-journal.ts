/**
 * What puts a view that is not all-or-nothing back at its previous index after it rejected an
 * update half-way (SPEC M5), for O(1) amortised per live update instead of building the
 * previous result before every one (V4).
 */
import type { Event } from "../gen/index.js";
import type { View } from "./types.js";

/** Events (and groups) the log may hold beyond the base's size before it is compacted. */
const SLACK = 64;

/**
 * The events that rebuild the view at its current index: a base (the last snapshot, or the
 * view's own `snapshotEvents()` at the last compaction) and every live update applied since.
 * When the log outgrows the base, it is folded into a new base through `snapshotEvents()`
 * (O(n) once per ≥ n updates); a view without it makes the journal give up (`active` false)
 * until the next snapshot, and the caller protects each update itself.
 */
export class RollbackJournal {
  #base: readonly Event[] | undefined;
  #log: (readonly Event[])[] = [];
  /** Events plus groups in the log: the cost of replaying it. */
  #logged = 0;

  /** Whether `restore` can put the view back at its current index. */
  get active(): boolean {
    return this.#base !== undefined;
  }

  /** A snapshot was applied: the journal restarts from it (copied: the view may keep its array). */
  start(snapshot: readonly Event[]): void {
    this.#base = snapshot.slice();
    this.#log = [];
    this.#logged = 0;
  }

  stop(): void {
    this.#base = undefined;
    this.#log = [];
    this.#logged = 0;
  }

  /** A live update was applied to `view`. */
  applied(events: readonly Event[], view: View<unknown>): void {
    if (!this.#base) return;
    this.#log.push(events.slice());
    this.#logged += events.length + 1;
    if (this.#logged <= this.#base.length + SLACK) return;
    // A fold that fails gives the journal up (the caller then protects each update itself):
    // the update is already applied, so nothing may throw from here (M4: the index follows).
    try {
      if (view.snapshotEvents) this.start(view.snapshotEvents());
      else this.stop();
    } catch {
      this.stop();
    }
  }

  /**
   * Puts `view` back at the state after the last applied update: reset, the base as its
   * snapshot, then each logged update, each in a fresh array (V1). Throws when the view rejects
   * what it accepted before (its updates are not a function of its events).
   */
  restore(view: View<unknown>): void {
    const base = this.#base;
    if (!base) throw new Error("RollbackJournal.restore() without a journal");
    view.reset();
    view.update(base.slice());
    for (const events of this.#log) view.update(events.slice());
  }
}
