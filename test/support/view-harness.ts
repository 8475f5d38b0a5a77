/** A running materializer over a pushable client for any view (user-written views included). */
import { create } from "@bufbuild/protobuf";
import {
  Materializer,
  type MaterializerState,
  RetryWaiter,
  type View,
} from "react-submatview/core";
import { SubscribeRequestSchema, Topic } from "react-submatview/gen";
import { ManualTimers } from "./manual-timers.js";
import { PushableClient } from "./pushable-client.js";

/** A materializer over a pushable client for `view`, not yet running (so it can be seeded). */
export function viewMaterializer<TResult>(view: View<TResult>, topic = Topic.ServiceHealth) {
  const client = new PushableClient();
  const timers = new ManualTimers();
  const materializer = new Materializer<TResult>({
    view,
    client,
    timers,
    waiter: new RetryWaiter({ timers, random: () => 0 }),
    request: (index) =>
      create(SubscribeRequestSchema, {
        Topic: topic,
        Index: index,
        Subject: { case: "WildcardSubject", value: true },
      }),
  });
  return { client, timers, materializer };
}

export function startView<TResult>(view: View<TResult>, topic = Topic.ServiceHealth) {
  const { client, timers, materializer } = viewMaterializer(view, topic);
  const controller = new AbortController();
  const done = materializer.run(controller.signal);
  return {
    client,
    timers,
    materializer,
    controller,
    done,
    /** Resolves with the state published by the next notification. */
    changed(): Promise<MaterializerState<TResult>> {
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
