/**
 * The `subscribe` listeners of one materializer (SPEC M9): called synchronously, in order; a
 * listener that throws neither breaks the stream nor starves the others (its error is
 * rethrown in a microtask, where it is reported but harms nothing).
 */
export class Listeners {
  readonly #set = new Set<() => void>();

  get size(): number {
    return this.#set.size;
  }

  /** `useSyncExternalStore`'s subscribe: returns the unsubscribe. */
  subscribe = (listener: () => void): (() => void) => {
    this.#set.add(listener);
    return () => this.#set.delete(listener);
  };

  notify(): void {
    for (const listener of this.#set) {
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
