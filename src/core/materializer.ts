/** The materializer (SPEC M1–M10): one stream's loop, its failures, and what it publishes. */
import type { Event, SubscribeRequest } from "../gen/index.js";
import { AcceptedStream, HANDSHAKE_TIMEOUT_MS, HandshakeDeadline } from "./accepted-stream.js";
import { blockingFetch } from "./blocking-fetch.js";
import { reactionTo } from "./classify.js";
import { defaultTimers } from "./default-timers.js";
import { MaterializerClosedError, StreamEndedError } from "./errors.js";
import { FetchWaiters } from "./fetch-waiters.js";
import { Listeners } from "./listeners.js";
import type { MaterializerDeps } from "./materializer-deps.js";
import { PublishedState } from "./materializer-state.js";
import { RetryWaiter } from "./retry-waiter.js";
import { safeLogger } from "./safe-logger.js";
import { consumeStream, type FramingTarget } from "./stream-framing.js";
import type {
  FetchOptions,
  FetchResult,
  Logger,
  MaterializerState,
  MaterializerStatus,
  StreamClient,
} from "./types.js";
import { ViewKeeper } from "./view-keeper.js";

/**
 * Keeps one local view of one subscription up to date (SPEC M1–M10).
 *
 * Notification contract:
 * - listeners (`subscribe`) are called synchronously once per applied update — a whole
 *   snapshot is one update, a live wire event (a batch included) is one update — and once per
 *   surfaced error; never while a snapshot is still arriving;
 * - `getSnapshot()` returns an immutable state that keeps its identity until the next
 *   notification; `value` and `index` always describe the same state;
 * - a reset (`Aborted`, `NewSnapshotToFollow`, a protocol fault) keeps the last good state
 *   visible until the new snapshot is complete, then publishes it with `resets` + 1; the first
 *   `Aborted` after a success is silent, the next ones surface a {@link StreamResetError};
 * - a resumed stream the server accepted (its headers carry `SUBSCRIBED_HEADER`, sent before
 *   any event) publishes `live` with no error and the same index and value, once: a quiet
 *   subject has no event to prove the stream healthy (P5). The retry count is reset only by an
 *   update, or once that stream has stayed open for `HEALTHY_STREAM_MS` (M7);
 * - once any stream carried that header, a stream with no headers, event or error within
 *   `handshakeTimeoutMs` is aborted and retried like a dropped one (M2, M6: an HTTP/2 stream
 *   orphaned by a cleanly closed connection never ends on its own in connect-node 2.1);
 * - a terminal error (`Unauthenticated`, `PermissionDenied`, `InvalidArgument`,
 *   `Unimplemented`, "ACL not found" — sent by the server, not raised by the client for a cut
 *   stream) publishes status `failed` once and `run` returns;
 * - a fault in the middle of an update leaves no trace: the state published with the error is
 *   the state at the previous index (M5);
 * - when `run` ends (its signal aborts, or a terminal error), every blocking `fetch` still
 *   waiting rejects with a {@link MaterializerClosedError} and its timer is cleared (R6).
 */
export class Materializer<TResult> {
  readonly #keeper: ViewKeeper<TResult>;
  readonly #client: StreamClient;
  readonly #request: (index: bigint) => SubscribeRequest;
  readonly #logger: Required<Logger>;
  readonly #waiter: RetryWaiter;
  readonly #listeners = new Listeners();
  readonly #waiters: FetchWaiters;
  readonly #accepted: AcceptedStream;
  readonly #handshake: HandshakeDeadline;
  /** The published state, kept as fields: a state object is only built when someone asks. */
  #status: MaterializerStatus = "connecting";
  #error: Error | undefined;
  /** The object `getSnapshot()` handed out for the current state; undefined until asked. */
  #state: PublishedState<TResult> | undefined;
  #running = false;
  #stopped = false;
  /** Set when `run` ends (its signal aborted, or a terminal error): blocking fetches settle. */
  #closed = false;
  #streamOpen = false;

  constructor(deps: MaterializerDeps<TResult>) {
    // A state object already handed out fixes its value before the view changes.
    this.#keeper = new ViewKeeper(deps.view, () => this.#state?.freeze());
    this.#client = deps.client;
    this.#request = deps.request;
    this.#logger = safeLogger(deps.logger);
    this.#waiter = deps.waiter ?? new RetryWaiter();
    this.#waiters = new FetchWaiters(deps.timers ?? defaultTimers);
    this.#accepted = new AcceptedStream(deps.timers ?? defaultTimers, this.#waiter);
    this.#handshake = new HandshakeDeadline(
      deps.timers ?? defaultTimers,
      deps.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
      deps.mayQueue,
    );
  }

  /** The index of the view (0 until a complete snapshot is applied, and during a reset). */
  get index(): bigint {
    return this.#keeper.index;
  }

  /** Whether a `Subscribe` stream is open right now. */
  get streamOpen(): boolean {
    return this.#streamOpen;
  }

  /** Events applied to the view since creation, snapshots included (devtools show it). */
  get eventsApplied(): number {
    return this.#keeper.eventsApplied;
  }

  /** Whether `run` ended on a terminal error. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Applies a snapshot obtained elsewhere (a dehydrated server render, SPEC H4) as if it had
   * arrived on a stream (each event through the view's `prepare`, which may change it in
   * place); `run` then resumes from `index`. Only before `run`.
   */
  seed(events: readonly Event[], index: bigint): void {
    if (this.#running || this.#keeper.index > 0n)
      throw new Error("Materializer.seed() must be called once, before run()");
    if (index <= 0n) throw new Error("Materializer.seed() needs the snapshot's index (> 0)");
    for (const event of events) this.#keeper.prepare(event);
    this.#apply(events, index);
  }

  /** Events that rebuild the view's current content, when the view supports it. */
  snapshotEvents(): { events: Event[]; index: bigint } | undefined {
    return this.#keeper.snapshotEvents();
  }

  /**
   * Subscribes and keeps the view up to date until `signal` aborts or a terminal error stops
   * it (M2). Never rejects for stream errors: it handles them and subscribes again (M6).
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running)
      throw new Error(
        "Materializer.run() is already running: call it once and share the materializer",
      );
    this.#running = true;
    this.#closed = false;
    // Waiters settle the moment the signal aborts, not when the stream notices (R6).
    const onAbort = () => this.#close();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      while (!signal.aborted && !this.#stopped) {
        let failure: unknown;
        try {
          await this.#consume(signal);
          failure = new StreamEndedError();
        } catch (error) {
          failure = error;
        }
        if (signal.aborted) return;
        if (!this.#handleFailure(failure)) return;
        try {
          await this.#waiter.wait(signal);
        } catch {
          return;
        }
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.#running = false;
      this.#close();
    }
  }

  /**
   * `run` ended: every blocking fetch still waiting rejects with a
   * {@link MaterializerClosedError} and its timeout timer is cleared (SPEC R6).
   */
  #close(): void {
    this.#closed = true;
    this.#handshake.settle();
    // A stream deaf to the abort never reaches #consume's finally: stop its healthy timer here.
    this.#accepted.ended();
    if (this.#waiters.size === 0) return;
    this.#waiters.close(
      new MaterializerClosedError("the materializer stopped while a fetch waited"),
    );
  }

  /**
   * Publishes a problem seen from outside the stream (a stream the browser queues behind its
   * HTTP/1.1 connection limit, SPEC H6) with the current status and last good state; the next
   * update clears it. Ignored once stopped.
   */
  surface(error: Error): void {
    if (this.#stopped || this.#closed) return;
    this.#publish(this.#status, error, false);
  }

  /** Handles one stream failure (M5, M6); returns false when `run` must stop. */
  #handleFailure(failure: unknown): boolean {
    const reaction = reactionTo(failure, this.#waiter.failures > 0);
    this.#logger.warn("subscribe stream failed", {
      kind: reaction.kind,
      error: failure instanceof Error ? failure.message : String(failure),
      index: this.#keeper.index.toString(),
    });
    if (reaction.stop) {
      this.#stopped = true;
      this.#publish("failed", reaction.surface, false);
      return false;
    }
    if (reaction.resetView) this.#keeper.reset();
    if (reaction.surface) {
      const status = this.#keeper.publishedIndex > 0n ? "reconnecting" : "connecting";
      this.#publish(status, reaction.surface, false);
    }
    return true;
  }

  /** One stream, from subscribe to its end: the event state machine of M3. */
  async #consume(signal: AbortSignal): Promise<void> {
    this.#streamOpen = true;
    try {
      await consumeStream(
        this.#client,
        this.#request(this.#keeper.index),
        signal,
        this.#target,
        this.#handshake,
      );
    } finally {
      this.#streamOpen = false;
      this.#accepted.ended();
    }
  }

  readonly #target: FramingTarget = {
    apply: (events, index) => this.#apply(events, index),
    // Stale resume: the server sends a full snapshot; the old view is thrown away.
    reset: () => this.#keeper.reset(),
    prepare: (event) => this.#keeper.prepare(event),
    resumed: () => this.#resumed(),
  };

  /** The server accepted a resumed stream: it is healthy, though quiet (M4, M6, M7). */
  #resumed(): void {
    if (this.#stopped || this.#closed || this.#keeper.index === 0n) return;
    this.#accepted.accepted();
    if (this.#status !== "live" || this.#error) this.#publish("live", undefined, false);
  }

  /** Applies one update at `index` (M3, M4); a rejected one throws and leaves no trace (M5). */
  #apply(events: readonly Event[], index: bigint): void {
    const reset = this.#keeper.apply(events, index);
    this.#waiter.reset();
    this.#publish("live", undefined, reset);
  }

  #publish(status: MaterializerStatus, error: Error | undefined, reset: boolean): void {
    this.#status = status;
    this.#error = error;
    // A handed-out state may outlive this one: fix its value while the view is still at it.
    this.#state?.freeze();
    this.#state = undefined;
    this.#waiters.notify(error, reset);
    this.#listeners.notify();
  }

  /** `useSyncExternalStore`'s subscribe (M9). */
  subscribe = this.#listeners.subscribe;

  /** `useSyncExternalStore`'s getSnapshot (M9): the same object until something changes. */
  getSnapshot = (): MaterializerState<TResult> => {
    if (!this.#state) {
      const keeper = this.#keeper;
      this.#state = new PublishedState(
        this.#status,
        keeper.publishedIndex,
        this.#error,
        keeper.resets,
        keeper.stateValue(),
      );
    }
    return this.#state;
  };

  /** Number of `subscribe` listeners. */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  /**
   * A blocking-index query (M8): the state once its index passes `minIndex`, the last good
   * state with the error when the stream fails, or — after `timeoutMs` — the current state
   * marked `notModified`. A reset that lands below `minIndex` is returned (`reset: true`).
   */
  fetch(options: FetchOptions = {}): Promise<FetchResult<TResult>> {
    const run = { stopped: this.#stopped, closed: this.#closed, error: this.#error };
    return blockingFetch(this.#keeper, this.#waiters, run, options);
  }
}
