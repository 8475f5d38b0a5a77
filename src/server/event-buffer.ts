import type { Event } from "../gen/index.js";

/**
 * A one-shot link from a buffer item to its successor. Links are separate objects so that a
 * snapshot can be spliced onto the *future* successor of a topic buffer item by sharing that
 * item's link (Consul's `bufferItem.NextLink()`).
 */
export class Link {
  item: BufferItem | undefined;
  #waiters: Array<(item: BufferItem) => void> | undefined;

  set(item: BufferItem): void {
    if (this.item) throw new Error("buffer link already set: an item was appended twice");
    this.item = item;
    const waiters = this.#waiters;
    this.#waiters = undefined;
    if (waiters) for (const wake of waiters) wake(item);
  }

  /**
   * Resolves with the successor; rejects with the reason of whichever signal aborts first.
   * Takes two signals rather than a combined one: `AbortSignal.any` per read is retained by a
   * long-lived source signal on Node 20 (~100 bytes per event delivered on one stream).
   */
  wait(signal: AbortSignal, closer: AbortSignal): Promise<BufferItem> {
    if (this.item) return Promise.resolve(this.item);
    if (signal.aborted) return Promise.reject(signal.reason);
    if (closer.aborted) return Promise.reject(closer.reason);
    return new Promise((resolve, reject) => {
      const done = () => {
        signal.removeEventListener("abort", onAbort);
        closer.removeEventListener("abort", onAbort);
      };
      const wake = (item: BufferItem) => {
        done();
        resolve(item);
      };
      const onAbort = () => {
        done();
        // Drop the waiter so an abandoned read does not pin the subscription in memory.
        const waiters = this.#waiters;
        if (waiters) waiters.splice(waiters.indexOf(wake), 1);
        reject(signal.aborted ? signal.reason : closer.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      closer.addEventListener("abort", onAbort, { once: true });
      if (!this.#waiters) this.#waiters = [];
      this.#waiters.push(wake);
    });
  }
}

/**
 * One item of an event buffer: a group of events sharing one index (one transaction for one
 * topic and subject), or an error that ends every reader that reaches it. Items only point
 * forward, so an item is garbage once no reader's cursor is at or before it (SPEC S4).
 */
export class BufferItem {
  link = new Link();
  /** The wire event for this item, built once and shared by every reader (see `wireEvent`). */
  wire: Event | undefined;

  constructor(
    readonly events: readonly Event[],
    readonly error?: Error,
  ) {}

  /** Index shared by the item's events; 0 for the empty head item and error items. */
  get index(): bigint {
    return this.events[0]?.Index ?? 0n;
  }
}

/**
 * An append-only singly linked list of items. It holds only its tail: readers hold their own
 * cursors and follow links at their own pace (slow readers never block the publisher), and an
 * item nobody's cursor has reached back to is garbage (SPEC S4). A caller that needs the start
 * (a snapshot) keeps `tail` from before its first append.
 */
export class EventBuffer {
  /** The newest item; an empty item until the first append. */
  tail: BufferItem = new BufferItem([]);

  append(events: readonly Event[]): BufferItem {
    const item = new BufferItem(events);
    this.appendItem(item);
    return item;
  }

  appendItem(item: BufferItem): void {
    this.tail.link.set(item);
    this.tail = item;
  }
}
