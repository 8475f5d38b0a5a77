/**
 * The `subscribe` listeners of one materializer (SPEC M9): called synchronously, in order; a
 * listener that throws neither breaks the stream nor starves the others (its error is
 * rethrown in a microtask, where it is reported but harms nothing).
 */
export class Listeners {
  readonly #set = new Set<() => void>();
  /**
   * The listeners as of the last (un)subscribe, copied on write: `notify` walks the array it
   * started with, so one added while notified waits for the next round (a `Set` would visit it
   * at once, and a listener that re-arms itself would be called again and again), and nothing
   * is allocated per notification.
   */
  #list: readonly (() => void)[] = [];

  get size(): number {
    return this.#set.size;
  }

  /**
   * `useSyncExternalStore`'s subscribe: returns the unsubscribe. Each call is a subscription of
   * its own (the same function subscribed twice is called twice), and its unsubscribe ends that
   * one only: a second call of it is a no-op, never the end of a later subscription.
   */
  subscribe = (listener: () => void): (() => void) => {
    const own = () => listener();
    this.#set.add(own);
    this.#list = [...this.#set];
    return () => {
      if (this.#set.delete(own)) this.#list = [...this.#set];
    };
  };

  notify(): void {
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      const listener = list[i] as () => void;
      // One unsubscribed earlier in this round is not called after it left.
      if (!this.#set.has(listener)) continue;
      try {
        listener();
      } catch (thrown) {
        queueMicrotask(() => {
          throw thrown;
        });
      }
    }
  }
}
