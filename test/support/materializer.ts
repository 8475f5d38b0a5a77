import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  Materializer,
  type MaterializerState,
  RetryWaiter,
  type ServiceHealthFilter,
  type ServiceHealthResult,
  ServiceHealthView,
} from "react-submatview/core";
import { SubscribeRequestSchema, Topic } from "react-submatview/gen";
import { ManualTimers } from "./manual-timers.js";
import { PushableClient } from "./pushable-client.js";

/** A materializer over a pushable client, running, with manual timers and a change counter. */
export function startMaterializer(filter: ServiceHealthFilter = {}, random = () => 0) {
  const client = new PushableClient();
  const timers = new ManualTimers();
  const view = new ServiceHealthView(filter);
  const waiter = new RetryWaiter({ timers, random });
  const materializer = new Materializer<ServiceHealthResult>({
    view,
    client,
    waiter,
    timers,
    request: (index) =>
      create(SubscribeRequestSchema, {
        Topic: Topic.ServiceHealth,
        Index: index,
        Subject: { case: "NamedSubject", value: { Key: "web" } },
      }),
  });
  const controller = new AbortController();
  const done = materializer.run(controller.signal);
  let notifications = 0;
  materializer.subscribe(() => notifications++);
  return {
    client,
    timers,
    view,
    waiter,
    materializer,
    controller,
    done,
    get notifications() {
      return notifications;
    },
    /** Resolves with the state published by the next notification. */
    changed(): Promise<MaterializerState<ServiceHealthResult>> {
      return new Promise((resolve) => {
        const stop = materializer.subscribe(() => {
          stop();
          resolve(materializer.getSnapshot());
        });
      });
    },
    stop() {
      controller.abort();
      return done;
    },
  };
}

export const ids = (value: ServiceHealthResult | undefined) =>
  value?.nodes.map((n) => n.Service?.ID);

export const aborted = () =>
  new ConnectError("subscription closed by server, client must reset state", Code.Aborted);
export const unavailable = () => new ConnectError("connection dropped", Code.Unavailable);

/** Tracks whether a promise settled yet, without awaiting it. */
export function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; promise: Promise<T> } = { settled: false, promise };
  promise.then((value) => {
    state.settled = true;
    state.value = value;
  });
  return state;
}

/** Whether `promise` is still pending once every reaction already queued has run. */
export async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol("pending");
  return (await Promise.race([promise, Promise.resolve(pending)])) === pending;
}
