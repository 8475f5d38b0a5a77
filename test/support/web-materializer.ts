/**
 * A materializer for service "web" over a real transport (SPEC P5 "Resume", M4, M6, M7), shared
 * by the dropped-connection and resume tests: it records its requests and every published
 * state, has separate manual timers for the retry waiter and for the materializer, and bounded
 * waits.
 */
import { create } from "@bufbuild/protobuf";
import { createClient, type Transport } from "@connectrpc/connect";
import {
  Materializer,
  type MaterializerState,
  RetryWaiter,
  type RetryWaiterOptions,
  type ServiceHealthResult,
  ServiceHealthView,
  type StreamClient,
} from "react-submatview/core";
import {
  StateChangeSubscription,
  type SubscribeRequest,
  SubscribeRequestSchema,
} from "react-submatview/gen";
import { ManualTimers } from "./manual-timers.js";
import { healthRequest } from "./server.js";

export type State = MaterializerState<ServiceHealthResult>;

/** Rejects with `message` if `promise` has not settled within `ms` (a regression fails, never hangs). */
export function within<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A running materializer for "web" over `transport`; `stop()` ends it. */
export function materialize(transport: Transport, retry: RetryWaiterOptions = {}) {
  const connect = createClient(StateChangeSubscription, transport);
  const requests: SubscribeRequest[] = [];
  const client: StreamClient = {
    subscribe(request, options) {
      requests.push(request);
      return connect.subscribe(request, options);
    },
  };
  const timers = new ManualTimers();
  const waiterTimers = new ManualTimers();
  const waiter = new RetryWaiter({ timers: waiterTimers, random: () => 0, ...retry });
  const materializer = new Materializer<ServiceHealthResult>({
    view: new ServiceHealthView(),
    client,
    timers,
    waiter,
    request: (index) => create(SubscribeRequestSchema, healthRequest("web", { Index: index })),
  });
  const states: State[] = [];
  materializer.subscribe(() => states.push(materializer.getSnapshot()));
  const controller = new AbortController();
  const done = materializer.run(controller.signal);
  /** The first state (now or later) that matches; fails after `ms` naming the last state. */
  const until = (match: (s: State) => boolean, ms = 5_000) => {
    let stop = () => {};
    const found = new Promise<State>((resolve) => {
      const check = () => {
        const state = materializer.getSnapshot();
        if (!match(state)) return;
        stop();
        resolve(state);
      };
      stop = materializer.subscribe(check);
      check();
    });
    return within(found, ms, () => {
      stop();
      const s = materializer.getSnapshot();
      return `no matching state within ${ms} ms; last: ${s.status} at ${s.index} (${s.error?.message ?? "no error"})`;
    });
  };
  return {
    materializer,
    waiter,
    timers,
    waiterTimers,
    requests,
    states,
    until,
    /** Settles when `run` returns (after a terminal failure or `stop()`). */
    done,
    stop: () => {
      controller.abort();
      return done;
    },
  };
}

export const ids = (state: State | undefined) => state?.value?.nodes.map((n) => n.Service?.ID);
