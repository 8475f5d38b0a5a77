/**
 * The retry waiter follows connectivity (SPEC M7, issue 7 item 5): no attempt is spent while
 * offline, `online` retries at once, and a page that becomes visible again retries a pending
 * backoff at once (hidden tabs throttle timers). Unit tests on injected connectivity and
 * manual timers; the same behaviour in real Chromium is in test/browser/.
 */
import { create } from "@bufbuild/protobuf";
import {
  alwaysOnline,
  browserConnectivity,
  type Connectivity,
  type ConnectivityChange,
  Materializer,
  RetryWaiter,
  type ServiceHealthResult,
  ServiceHealthView,
} from "react-submatview/core";
import { SubscribeRequestSchema, Topic } from "react-submatview/gen";
import { describe, expect, test } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { ids, isPending, unavailable } from "../support/materializer.js";
import { ev, PushableClient } from "../support/pushable-client.js";

/** Connectivity the test switches; counts its listeners so leaks show. */
class FakeConnectivity implements Connectivity {
  online = true;
  readonly #listeners = new Set<(change: ConnectivityChange) => void>();

  subscribe(listener: (change: ConnectivityChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get listeners(): number {
    return this.#listeners.size;
  }

  emit(change: ConnectivityChange): void {
    if (change !== "visible") this.online = change === "online";
    for (const listener of [...this.#listeners]) listener(change);
  }
}

function setup() {
  const timers = new ManualTimers();
  const connectivity = new FakeConnectivity();
  const waiter = new RetryWaiter({ random: () => 0, timers, connectivity });
  return { timers, connectivity, waiter, signal: new AbortController().signal };
}

describe("SPEC M7: the retry waiter follows connectivity", () => {
  test("offline: the wait sets no timer and ends when `online` comes, however long after", async () => {
    const { timers, connectivity, waiter, signal } = setup();
    connectivity.emit("offline");
    // Even failure 1 (normally at once) waits: nothing can succeed offline.
    const first = waiter.wait(signal);
    expect(timers.pending).toBe(0);
    timers.advance(10 * 60_000);
    expect(await isPending(first)).toBe(true);
    connectivity.emit("online");
    await first;
    expect(waiter.failures).toBe(1);
    expect(connectivity.listeners).toBe(0);
  });

  test("going offline during a backoff clears its timer; `online` retries at once", async () => {
    const { timers, connectivity, waiter, signal } = setup();
    await waiter.wait(signal);
    const second = waiter.wait(signal); // 200 ms
    expect(timers.pending).toBe(1);
    connectivity.emit("offline");
    expect(timers.pending).toBe(0);
    timers.advance(1_000);
    expect(await isPending(second)).toBe(true);
    connectivity.emit("online");
    await second;
    expect(timers.pending).toBe(0);
    expect(connectivity.listeners).toBe(0);
  });

  test("the page becoming visible ends a pending backoff at once (throttled hidden-tab timers)", async () => {
    const { timers, connectivity, waiter, signal } = setup();
    for (let k = 1; k <= 9; k++) {
      const wait = waiter.wait(signal);
      timers.advance(60_000);
      await wait;
    }
    const tenth = waiter.wait(signal); // 200 ms · 2^8 = 51.2 s
    expect(await isPending(tenth)).toBe(true);
    connectivity.emit("visible");
    await tenth;
    expect(timers.pending).toBe(0);
    // Failures still count: a server that stays down keeps its backoff.
    expect(waiter.failures).toBe(10);
  });

  test("visible while offline does not retry; online does", async () => {
    const { connectivity, waiter, signal } = setup();
    await waiter.wait(signal);
    connectivity.emit("offline");
    const second = waiter.wait(signal);
    connectivity.emit("visible");
    expect(await isPending(second)).toBe(true);
    connectivity.emit("online");
    await second;
  });

  test("an immediate retry while online subscribes to nothing; an abort removes the listener", async () => {
    const { timers, connectivity, waiter } = setup();
    const controller = new AbortController();
    await waiter.wait(controller.signal);
    expect(connectivity.listeners).toBe(0);
    const second = waiter.wait(controller.signal);
    expect(connectivity.listeners).toBe(1);
    controller.abort();
    await expect(second).rejects.toMatchObject({ name: "AbortError" });
    expect(connectivity.listeners).toBe(0);
    expect(timers.pending).toBe(0);
  });
});

describe("browserConnectivity()", () => {
  /** A stand-in for `window` with `navigator.onLine` and a `document`. */
  function fakeWindow() {
    const target = new EventTarget();
    const document = Object.assign(new EventTarget(), { visibilityState: "visible" });
    const navigator = { onLine: true };
    return {
      addEventListener: target.addEventListener.bind(target),
      removeEventListener: target.removeEventListener.bind(target),
      dispatch: (type: string) => target.dispatchEvent(new Event(type)),
      navigator,
      document,
    };
  }

  test("reads navigator.onLine and reports online, offline and visible (not hidden)", () => {
    const window = fakeWindow();
    const connectivity = browserConnectivity(window);
    const changes: string[] = [];
    const stop = connectivity.subscribe((change) => changes.push(change));
    window.navigator.onLine = false;
    expect(connectivity.online).toBe(false);
    window.dispatch("offline");
    window.navigator.onLine = true;
    window.dispatch("online");
    window.document.visibilityState = "hidden";
    window.document.dispatchEvent(new Event("visibilitychange"));
    window.document.visibilityState = "visible";
    window.document.dispatchEvent(new Event("visibilitychange"));
    expect(changes).toEqual(["offline", "online", "visible"]);
    stop();
    window.dispatch("offline");
    expect(changes).toHaveLength(3);
  });

  test("without addEventListener or navigator.onLine (Node, SSR) it is always online", () => {
    expect(browserConnectivity({})).toBe(alwaysOnline);
    expect(browserConnectivity({ addEventListener() {}, navigator: {} })).toBe(alwaysOnline);
    expect(browserConnectivity()).toBe(alwaysOnline); // this Node global
  });
});

describe("SPEC M6, M7: a hidden page's dead stream resumes from its index once visible", () => {
  test("a long backoff pending while hidden is cut short by visibility; the view resumes, no resnapshot", async () => {
    const client = new PushableClient();
    const timers = new ManualTimers();
    const connectivity = new FakeConnectivity();
    const materializer = new Materializer<ServiceHealthResult>({
      view: new ServiceHealthView(),
      client,
      timers,
      waiter: new RetryWaiter({ timers, connectivity, random: () => 0, factorMs: 30_000 }),
      request: (index) =>
        create(SubscribeRequestSchema, {
          Topic: Topic.ServiceHealth,
          Index: index,
          Subject: { case: "NamedSubject", value: { Key: "web" } },
        }),
    });
    const controller = new AbortController();
    const done = materializer.run(controller.signal);
    const first = await client.next();
    first.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
    await first.drained();
    // Hidden meanwhile: the connection drops (retry 1 at once), the retry fails too.
    first.fail(unavailable());
    const second = await client.next();
    expect(second.request.Index).toBe(5n);
    const backoff = timers.scheduled();
    second.fail(unavailable());
    await backoff; // failure 2: 30 s (throttled further in a hidden tab)
    expect(client.streams).toHaveLength(2);
    connectivity.emit("visible");
    const third = await client.next();
    expect(third.request.Index).toBe(5n);
    third.push(ev.register(6n, "n2", "web-2"));
    await third.drained();
    const state = materializer.getSnapshot();
    expect(state).toMatchObject({ status: "live", index: 6n, resets: 0 });
    expect(ids(state.value)).toEqual(["web-1", "web-2"]);
    expect(timers.pending).toBe(0);
    controller.abort();
    await done;
  });
});
