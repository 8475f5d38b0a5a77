import { Code, ConnectError } from "@connectrpc/connect";
import type { SubscribeRequest } from "../gen/index.js";
import { BufferItem } from "./event-buffer.js";

/** Message of the `Aborted` error that ends force-closed streams (Consul's ErrSubForceClosed). */
export const FORCE_CLOSED_MESSAGE =
  "subscription closed by server, client must reset state and resubscribe";
/** Message of the error that ends every stream on `shutdown()` (SPEC S7). */
export const SHUTTING_DOWN_MESSAGE = "subscription closed by server, server is shutting down";

/**
 * One reader of the event publisher: a cursor into a chain of buffer items (a snapshot spliced
 * onto a topic buffer, or the topic buffer itself on resume). Created by
 * `EventPublisher.subscribe`; call `unsubscribe()` exactly when done (S8).
 */
export class Subscription {
  #cursor: BufferItem;
  readonly #closer = new AbortController();
  readonly #release: (sub: Subscription) => void;
  #released = false;

  /** @internal */
  constructor(
    readonly request: SubscribeRequest,
    readonly key: string,
    head: BufferItem,
    release: (sub: Subscription) => void,
  ) {
    this.#cursor = head;
    this.#release = release;
  }

  /**
   * The next non-empty item: its events share one index. Rejects with the item's error, with
   * the close error, or with `signal.reason` when the caller aborts. The state is checked
   * before and after every item (Consul's `requireStateOpen`): once closed, nothing more is
   * handed out, not even items already buffered — the rest of a snapshot or a slow reader's
   * backlog (S7).
   */
  async next(signal: AbortSignal): Promise<BufferItem> {
    const closer = this.#closer.signal;
    for (;;) {
      closer.throwIfAborted();
      signal.throwIfAborted();
      const link = this.#cursor.link;
      const item = link.item ?? (await link.wait(signal, closer));
      closer.throwIfAborted();
      signal.throwIfAborted();
      this.#cursor = item;
      if (item.error) throw item.error;
      if (item.events.length > 0) return item;
    }
  }

  /** Ends the stream: pending and later `next()` calls reject with `error`. */
  close(error: ConnectError): void {
    this.#closer.abort(error);
    // Nothing more is handed out (S7): the cursor must not pin the items appended after it
    // while the handler waits on a write that may never complete (S4).
    this.#cursor = RELEASED;
  }

  get closed(): boolean {
    return this.#closer.signal.aborted;
  }

  /** Releases the subscription's reference on its topic buffer; idempotent. */
  unsubscribe(): void {
    if (this.#released) return;
    this.#released = true;
    if (!this.closed) this.close(new ConnectError("subscription released", Code.Canceled));
    // A released subscription may still be referenced; it must not pin the buffer (S4).
    this.#cursor = RELEASED;
    this.#release(this);
  }
}

const RELEASED = new BufferItem([]);

export type { EventFilter } from "./types.js";
