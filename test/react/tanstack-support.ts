/**
 * Helpers of the TanStack adapter tests: the per-test bed (manual clock for TanStack's long
 * timers, a fresh QueryClient, disposal of the test's registry and server), the shared request
 * fixtures, a deadline for steps that would hang on a bug, and server-side stream tracking.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { QueryClient, timeoutManager } from "@tanstack/react-query";
import { cleanup } from "@testing-library/react";
import {
  type MaterializerRegistry,
  type ServiceHealthResult,
  serviceHealthRequest,
} from "react-submatview";
import type { EventPublisher } from "react-submatview/server";
import { afterEach, beforeAll, beforeEach } from "vitest";
import { type Deferred, deferred } from "../support/deferred.js";
import { ManualTimers } from "../support/manual-timers.js";
import type { TestServer } from "../support/server.js";

/** The request every TanStack test subscribes to (its token must never reach a key or log). */
export const web = () => serviceHealthRequest({ service: "web", token: "secret-token-value" });
/** The service ids of a result, comma-joined ("" when none). */
export const names = (r: ServiceHealthResult | undefined) =>
  r?.nodes.map((n) => n.Service?.ID).join(",") ?? "";
/** A terminal error (SPEC M6): no retry may follow it. */
export const denied = () => new ConnectError("token revoked", Code.PermissionDenied);

export interface TanStackBed {
  /** TanStack's timers of 1 s and more (gcTime, retry delays); see manualTanStackTimers. */
  readonly gcTimers: ManualTimers;
  /** A fresh QueryClient per test, cleared after it. */
  readonly queryClient: QueryClient;
  /** The registry last handed to `own` in this test, if any. */
  readonly registry: MaterializerRegistry | undefined;
  /** Disposes `registry` after the test; returns it. */
  own(registry: MaterializerRegistry): MaterializerRegistry;
  /** Closes `server` after the test; returns it. */
  ownServer(server: TestServer): TestServer;
}

/**
 * Registers the hooks every TanStack test file shares: manual TanStack timers (once), a new
 * QueryClient per test, and after each test an unmount, a cleared cache, the registry disposed
 * and the server closed. Call once at the top level of a test file.
 */
export function tanstackBed(): TanStackBed {
  let gcTimers: ManualTimers | undefined;
  let queryClient: QueryClient | undefined;
  let registry: MaterializerRegistry | undefined;
  let server: TestServer | undefined;
  beforeAll(() => {
    gcTimers = manualTanStackTimers();
  });
  beforeEach(() => {
    queryClient = new QueryClient();
  });
  afterEach(async () => {
    cleanup();
    queryClient?.clear();
    registry?.dispose();
    await server?.close();
    server = undefined;
    registry = undefined;
  });
  return {
    get gcTimers() {
      if (!gcTimers) throw new Error("tanstackBed: gcTimers read before beforeAll");
      return gcTimers;
    },
    get queryClient() {
      if (!queryClient) throw new Error("tanstackBed: queryClient read outside a test");
      return queryClient;
    },
    get registry() {
      return registry;
    },
    own(r) {
      registry = r;
      return r;
    },
    ownServer(s) {
      server = s;
      return s;
    },
  };
}

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
