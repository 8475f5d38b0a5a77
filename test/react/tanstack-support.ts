/**
 * Helpers of the TanStack adapter tests: TanStack's long timers on a manual clock, a deadline
 * for steps that would hang on a bug, and server-side stream tracking (opened / closed).
 */
import { timeoutManager } from "@tanstack/react-query";
import type { EventPublisher } from "react-submatview/server";
import { type Deferred, deferred } from "../support/deferred.js";
import { ManualTimers } from "../support/manual-timers.js";

/**
 * Routes TanStack's timers of 1 s and more (gcTime, retry delays) to a manual clock; short
 * ones stay real. Call once per test file, before any QueryClient is created.
 */
export function manualTanStackTimers(): ManualTimers {
  const timers = new ManualTimers();
  timeoutManager.setTimeoutProvider({
    setTimeout: (cb, delay) =>
      delay >= 1_000
        ? (timers.setTimeout(cb, delay) as number)
        : (setTimeout(cb, delay) as unknown as number),
    clearTimeout: (id) => {
      timers.clearTimeout(id);
      clearTimeout(id as unknown as ReturnType<typeof setTimeout>);
    },
    setInterval: (cb, delay) => setInterval(cb, delay) as unknown as number,
    clearInterval: (id) => clearInterval(id as unknown as ReturnType<typeof setInterval>),
  });
  return timers;
}

/** Rejects when `promise` has not settled within `ms`: a step that would hang on a bug fails. */
export function within<T>(promise: Promise<T>, what: string, ms = 3_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export interface TrackedStream {
  /** Resolves when the server released the stream's subscription (S8). */
  readonly closed: Promise<void>;
}

/**
 * Records every subscription the publisher opens (one per stream). `opened(n)` resolves once
 * `n` streams were opened in total; each stream's `closed` resolves when it is released.
 */
export function trackStreams(publisher: EventPublisher) {
  const streams: TrackedStream[] = [];
  const waiters: Array<{ count: number; done: Deferred<void> }> = [];
  const subscribe = publisher.subscribe.bind(publisher);
  publisher.subscribe = (request) => {
    const subscription = subscribe(request);
    const closed = deferred();
    const unsubscribe = subscription.unsubscribe.bind(subscription);
    subscription.unsubscribe = () => {
      unsubscribe();
      closed.resolve();
    };
    streams.push({ closed: closed.promise });
    for (const waiter of waiters.filter((w) => w.count <= streams.length)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.done.resolve();
    }
    return subscription;
  };
  return {
    streams,
    opened(count: number): Promise<void> {
      if (count <= streams.length) return Promise.resolve();
      const done = deferred();
      waiters.push({ count, done });
      return done.promise;
    },
  };
}

/**
 * Runs every TanStack retry that falls due (SPEC M6: a terminal error must cause none): moves
 * the manual clock past each retry delay, then yields one task so the retry starts its fetch.
 * TanStack's default is 3 retries; `rounds` covers them all.
 */
export async function runDueRetries(timers: ManualTimers, rounds = 4): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    timers.advance(30_000);
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }
}
