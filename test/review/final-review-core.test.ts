/**
 * Final review of 7f4f8a1 (end-of-burst coalescing), f15f0ce (copy-on-write listeners, a
 * snapshot rejected half-way) and 3dbf392 (compact:false requests): hostile unit cases
 * (SPEC M5, M9, H5, R3, R1).
 */
import { create } from "@bufbuild/protobuf";
import { ProtocolError, serviceHealthRequest } from "react-submatview/core";
import { EventSchema } from "react-submatview/gen";
import { describe, expect, test } from "vitest";
import { Listeners } from "../../src/core/listeners.js";
import { subscribeCoalesced } from "../../src/core/schedule-task.js";
import { ev } from "../support/pushable-client.js";
import { foreign, idsMaterializer, PlainView, stoppedAfterEach } from "./support/ids-view.js";

const { start, run } = stoppedAfterEach();

/** Runs `count` microtask turns: still the same task. */
async function turns(count: number) {
  for (let i = 0; i < count; i++) await null;
}

describe("SPEC M9: Listeners under hostile (un)subscribes", () => {
  test("M9/R6: a listener unsubscribed by an earlier one in the same round is not called", () => {
    const listeners = new Listeners();
    const calls: string[] = [];
    let stopB: () => void = () => {};
    listeners.subscribe(() => {
      calls.push("a");
      stopB();
    });
    stopB = listeners.subscribe(() => calls.push("b"));
    listeners.notify();
    listeners.notify();
    expect(calls).toEqual(["a", "a"]);
  });

  test("M9: a listener that unsubscribes itself and re-subscribes is called once per round", () => {
    const listeners = new Listeners();
    let calls = 0;
    let stop: () => void = () => {};
    const listener = () => {
      calls++;
      stop();
      // Bounded: a Set-walking notify would call it again and again (synchronously, no timeout).
      if (calls < 10) stop = listeners.subscribe(listener);
    };
    stop = listeners.subscribe(listener);
    listeners.notify();
    expect(calls).toBe(1);
    listeners.notify();
    expect(calls).toBe(2);
  });
});

describe("SPEC H5, R3: end-of-burst coalescing under hostile callbacks", () => {
  test("H5/R3: a notification raised by a callback during the flush is delivered in a later flush, not lost", async () => {
    const first = new Listeners();
    const second = new Listeners();
    const seen: string[] = [];
    const stopFirst = subscribeCoalesced(first.subscribe, () => {
      seen.push("first");
      second.notify(); // another materializer updated synchronously by this callback
    });
    const stopSecond = subscribeCoalesced(second.subscribe, () => seen.push("second"));
    first.notify();
    await turns(100);
    expect(seen).toEqual(["first", "second"]);
    stopFirst();
    stopSecond();
  });

  test("H5: a callback that re-notifies its own materializer runs again once per burst, not in a loop", async () => {
    const listeners = new Listeners();
    let calls = 0;
    const stop = subscribeCoalesced(listeners.subscribe, () => {
      calls++;
      if (calls < 3) listeners.notify();
    });
    listeners.notify();
    await turns(40);
    expect(calls).toBe(1);
    await turns(200);
    expect(calls).toBe(3);
    stop();
  });

  test("R3/R6: unsubscribed by another subscriber's callback in the same flush, it is never called", async () => {
    const listeners = new Listeners();
    const calls = [0, 0];
    let stopB: () => void = () => {};
    const stopA = subscribeCoalesced(listeners.subscribe, () => {
      calls[0]!++;
      stopB();
    });
    stopB = subscribeCoalesced(listeners.subscribe, () => calls[1]!++);
    listeners.notify();
    await turns(100);
    listeners.notify();
    await turns(100);
    expect(calls).toEqual([2, 0]);
    stopA();
  });

  test("R3/R6: unsubscribed between the last notify and the end of the burst, it is never called; others still are", async () => {
    const listeners = new Listeners();
    const calls = [0, 0];
    const stopA = subscribeCoalesced(listeners.subscribe, () => calls[0]!++);
    const stopB = subscribeCoalesced(listeners.subscribe, () => calls[1]!++);
    listeners.notify();
    await turns(10);
    stopA();
    await turns(100);
    expect(calls).toEqual([0, 1]);
    stopB();
  });

  test("R3: a callback that throws neither stops the other callbacks of the flush nor the next burst", async () => {
    const listeners = new Listeners();
    const calls = [0, 0];
    const errors: unknown[] = [];
    const onError = (error: unknown) => errors.push(error);
    process.on("uncaughtException", onError);
    try {
      const stopA = subscribeCoalesced(listeners.subscribe, () => {
        calls[0]!++;
        throw new Error("boom");
      });
      const stopB = subscribeCoalesced(listeners.subscribe, () => calls[1]!++);
      listeners.notify();
      await turns(100);
      listeners.notify();
      await turns(100);
      expect(calls).toEqual([2, 2]);
      await turns(2);
      expect(errors).toHaveLength(2);
      stopA();
      stopB();
    } finally {
      process.off("uncaughtException", onError);
    }
  });
});

/** Claims all-or-nothing updates but accepted part of a rejected batch (a buggy user view). */
class LyingAtomicView extends PlainView {
  readonly atomicUpdates = true;
}

describe("SPEC M5: a snapshot rejected half-way by an atomic view", () => {
  test("M5/H4: a seed an atomicUpdates view rejected half-way leaves no ghost in the next snapshot", async () => {
    const { materializer: m, client } = idsMaterializer(new LyingAtomicView());
    const bad = [
      create(EventSchema, ev.register(5n, "node-ghost", "ghost")),
      create(EventSchema, foreign(5n)),
    ];
    expect(() => m.seed(bad, 5n)).toThrow(ProtocolError);
    run(m);
    const stream = await client.next();
    expect(stream.request.Index).toBe(0n);
    stream.push(ev.register(9n, "node-real", "real"), ev.end(9n));
    await stream.drained();
    expect(m.getSnapshot().value?.ids).toEqual(["real"]);
  });

  test("M5: a streamed snapshot rejected half-way, then a good one: only the good one is shown", async () => {
    const h = start(new LyingAtomicView());
    const stream = await h.client.next();
    stream.push(ev.register(3n, "node-ghost", "ghost"), foreign(3n), ev.end(3n));
    // A fault resubscribes at once, from index 0 (M5).
    const again = await h.client.next();
    expect(again.request.Index).toBe(0n);
    const changed = h.changed();
    again.push(ev.register(9n, "node-real", "real"), ev.end(9n));
    const state = await changed;
    expect(state.value?.ids).toEqual(["real"]);
    expect(state.index).toBe(9n);
  }, 3_000);
});

describe("SPEC R1: serviceHealthRequest compact:false", () => {
  test("R1: compact:false has its own key, never the default's; the memo never answers one with the other", () => {
    const compactFirst = serviceHealthRequest({ service: "final-review-web", tags: ["a"] });
    const mutable = serviceHealthRequest({
      service: "final-review-web",
      tags: ["a"],
      compact: false,
    });
    const explicit = serviceHealthRequest({
      service: "final-review-web",
      tags: ["a"],
      compact: true,
    });
    expect(mutable.key).not.toBe(compactFirst.key);
    expect(mutable).not.toBe(compactFirst);
    expect(explicit.key).toBe(compactFirst.key);
    expect(explicit).not.toBe(mutable);
    // Asked again in the other order: each still answers with its own request.
    expect(serviceHealthRequest({ service: "final-review-web", tags: ["a"], compact: false })).toBe(
      mutable,
    );
    expect(serviceHealthRequest({ service: "final-review-web", tags: ["a"] })).toBe(compactFirst);
    // compact:false with the same tags in another order and case is still one view.
    expect(
      serviceHealthRequest({ service: "final-review-web", tags: ["A"], compact: false }).key,
    ).toBe(mutable.key);
  });

  test("R1: compact:false and a filterKey named 'compact' never collide with the default key", () => {
    const a = serviceHealthRequest({ service: "final-review-x", compact: false });
    const b = serviceHealthRequest({
      service: "final-review-x",
      filterKey: "false",
      filter: () => true,
    });
    const c = serviceHealthRequest({ service: "final-review-x" });
    expect(new Set([a.key, b.key, c.key]).size).toBe(3);
  });
});
