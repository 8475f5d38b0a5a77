/**
 * The delivery side of a scripted stream (SPEC T2): steps wait in order until the client pulls
 * them, each step's promise resolves once the client has consumed it, and once the stream is
 * over (ended by a step or cancelled by the client) every step resolves at once.
 */
import type { ConnectError } from "@connectrpc/connect";
import type { Event } from "../gen/index.js";

type Step =
  | { readonly kind: "event"; readonly event: Event; readonly done: () => void }
  | { readonly kind: "end"; readonly error?: ConnectError; readonly done: () => void };

/** The queue of steps between a test and the subscribe handler that streams them. */
export class StepQueue {
  readonly #steps: Step[] = [];
  #wake: (() => void) | undefined;
  /** The step yielded and not yet pulled past. */
  #current: Step | undefined;
  #open = true;
  /** Steps sent and not yet consumed. */
  readonly #inflight = new Set<Promise<void>>();
  readonly #closed: Promise<void>;
  #close!: () => void;
  readonly #onClose: () => void;

  /** `onClose` runs once, as the stream is over, before any pending step resolves. */
  constructor(onClose: () => void) {
    this.#onClose = onClose;
    this.#closed = new Promise((resolve) => {
      this.#close = resolve;
    });
  }

  /** Whether the client still holds the stream and it has not ended. */
  get open(): boolean {
    return this.#open;
  }

  /** Resolves once every step queued so far was consumed (or the stream is over). */
  consumed(): Promise<void> {
    return Promise.all([...this.#inflight]).then(() => undefined);
  }

  /** Resolves when the stream is over. */
  closed(): Promise<void> {
    return this.#closed;
  }

  /** Queues one event; resolves once the client has consumed it. */
  event(event: Event): Promise<void> {
    return this.#track((done) => this.#enqueue({ kind: "event", event, done }));
  }

  /** Queues the end of the stream, with `error` or cleanly; resolves once it ended. */
  end(error: ConnectError | undefined): Promise<void> {
    return this.#track((done) => {
      this.#enqueue(error ? { kind: "end", error, done } : { kind: "end", done });
    });
  }

  /** The handler's side: yields the queued events until a step ends the stream. */
  async *run(signal: AbortSignal): AsyncGenerator<Event> {
    const onAbort = () => this.#finish();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        const step = this.#steps.shift();
        if (!step) {
          await new Promise<void>((wake) => {
            this.#wake = wake;
          });
          if (!this.#open) return;
          continue;
        }
        if (step.kind === "end") {
          step.done();
          this.#finish();
          if (step.error) throw step.error;
          return;
        }
        this.#current = step;
        yield step.event;
        // The generator resumes only when the client asks for the next event (Connect's
        // router transport pulls lazily): the client has handled this one.
        this.#current = undefined;
        step.done();
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.#finish();
    }
  }

  #track(start: (done: () => void) => void): Promise<void> {
    const step = new Promise<void>(start);
    this.#inflight.add(step);
    void step.then(() => this.#inflight.delete(step));
    return step;
  }

  #enqueue(step: Step): void {
    if (!this.#open) {
      step.done();
      return;
    }
    this.#steps.push(step);
    this.#wake?.();
    this.#wake = undefined;
  }

  #finish(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#onClose();
    this.#current?.done();
    this.#current = undefined;
    for (const step of this.#steps.splice(0)) step.done();
    this.#wake?.();
    this.#wake = undefined;
    this.#close();
  }
}
