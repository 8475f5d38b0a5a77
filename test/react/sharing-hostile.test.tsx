// Hostile sharing scenarios (SPEC H1, H2, H5, R2–R4): many components on one request key, torn
// down in random order, under StrictMode, with a key change, a `select` that returns undefined
// and `enabled` toggling. Whatever the hook shares internally, each component must behave as
// if alone. Suspense, errors and registries: sharing-hostile-lifecycle.test.tsx.
import { act, render } from "@testing-library/react";
import { createRoot, type Root } from "react-dom/client";
import { serviceHealthRequest, useMaterializedView } from "react-submatview";
import { describe, expect, test } from "vitest";
import { ev } from "../support/pushable-client.js";
import { renderWith, withRegistry } from "../support/render.js";
import {
  bed,
  disposeBedsAfterEach,
  nextTask,
  shown,
  shownBy,
  TTL,
  View,
} from "./sharing-support.js";

disposeBedsAfterEach();
const web = serviceHealthRequest({ service: "web" });

describe("SPEC R2, R4: 1,000 components on one key", () => {
  test("unmounted one by one in random order: exactly one idle timer, and the entry expires once", async () => {
    shown.clear();
    const { client, timers, registry, idleTimers } = bed();
    const roots: Root[] = [];
    for (let i = 0; i < 1_000; i++) {
      const root = createRoot(document.createElement("div"));
      act(() => root.render(withRegistry(registry, <View id={`c${i}`} />)));
      roots.push(root);
    }
    const stream = await client.next();
    stream.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await stream.drained();
    await nextTask();
    expect(new Set(shownBy("c"))).toEqual(new Set(["web:web-1"]));
    expect(client.streams).toHaveLength(1);
    // A seeded shuffle: the same "random" order every run.
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const order = roots.map((root) => ({ root, key: random() }));
    order.sort((a, b) => a.key - b.key);
    for (const [n, { root }] of order.entries()) {
      act(() => root.unmount());
      // The idle TTL starts only when the very last one goes (R4).
      if (n < order.length - 1) expect(idleTimers()).toBe(0);
    }
    expect(idleTimers()).toBe(1);
    expect(stream.aborted).toBe(false);
    timers.advance(TTL - 1);
    expect(registry.stats().entries).toBe(1);
    timers.advance(1);
    expect(registry.stats()).toMatchObject({ entries: 0, refs: 0, listeners: 0 });
    expect(stream.aborted).toBe(true);
    expect(client.streams).toHaveLength(1);
    expect(timers.pending).toBe(0);
  });
});

describe("SPEC H1, H5: StrictMode", () => {
  test("double mounting many components on one key opens one stream, never torn down, and all follow it", async () => {
    shown.clear();
    const { client, registry, idleTimers } = bed();
    const view = renderWith(
      registry,
      Array.from({ length: 20 }, (_, i) => <View key={i} id={`s${i}`} />),
      { strict: true },
    );
    const stream = await client.next();
    stream.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await stream.drained();
    await nextTask();
    stream.push(ev.register(3n, "n2", "web-2"));
    await stream.drained();
    await nextTask();
    expect(new Set(shownBy("s"))).toEqual(new Set(["web:web-1,web-2"]));
    expect(client.streams).toHaveLength(1);
    expect(stream.aborted).toBe(false);
    view.unmount();
    expect(registry.stats().refs).toBe(0);
    expect(idleTimers()).toBeGreaterThanOrEqual(1);
  });
});

describe("SPEC H2: a key change among many", () => {
  test("one component moves to another key while 999 stay: it shows only the new key's data, the others keep following", async () => {
    shown.clear();
    const { client, registry } = bed();
    function Many({ moved }: { moved: boolean }) {
      return Array.from({ length: 1_000 }, (_, i) => (
        <View key={i} id={`k${i}`} service={i === 500 && moved ? "api" : "web"} />
      ));
    }
    const view = renderWith(registry, <Many moved={false} />);
    const webStream = await client.next();
    webStream.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await webStream.drained();
    await nextTask();
    view.rerender(withRegistry(registry, <Many moved />));
    // Never the old key's data as the new key's (H2): loading until api's snapshot.
    expect(shown.get("k500")).toBe("api:loading");
    const apiStream = await client.next();
    const drained = Promise.all([apiStream.drained(), webStream.drained()]);
    apiStream.push(ev.register(5n, "n9", "api-1"), ev.end(5n));
    webStream.push(ev.register(3n, "n2", "web-2"));
    await drained;
    await nextTask();
    expect(shown.get("k500")).toBe("api:api-1");
    const others = shownBy("k").filter((s) => s.startsWith("web:"));
    expect(others).toHaveLength(999);
    expect(new Set(others)).toEqual(new Set(["web:web-1,web-2"]));
    expect(registry.stats().entries).toBe(2);
    expect(client.streams).toHaveLength(2);
    expect(webStream.aborted).toBe(false);
  });
});

describe("SPEC H2: select returning undefined", () => {
  test("a slice that is undefined is data, not loading, and never re-renders while it stays undefined", async () => {
    const { client, registry } = bed();
    const renders = { undef: 0, whole: 0 };
    const seen: string[] = [];
    function Undef() {
      const r = useMaterializedView(web, { select: () => undefined });
      renders.undef++;
      seen.push(`${r.isLoading}:${r.status}:${String(r.data)}`);
      return null;
    }
    function Whole() {
      useMaterializedView(web);
      renders.whole++;
      return null;
    }
    renderWith(
      registry,
      <>
        <Undef />
        <Whole />
      </>,
    );
    const stream = await client.next();
    stream.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await stream.drained();
    await nextTask();
    expect(seen.at(-1)).toBe("false:live:undefined");
    const before = { ...renders };
    for (let i = 3n; i < 13n; i++) {
      stream.push(ev.register(i, `n${i}`, `web-${i}`));
      await stream.drained();
      await nextTask();
    }
    expect(renders.whole - before.whole).toBe(10);
    expect(renders.undef - before.undef).toBe(0);
  });
});

describe("SPEC H2, R4: enabled toggling", () => {
  test("toggling one component's enabled leaves the others' shared stream alone; the TTL starts when the last holder leaves", async () => {
    shown.clear();
    const { client, timers, registry, idleTimers } = bed();
    const app = (enabled: boolean, others: boolean) =>
      withRegistry(
        registry,
        <>
          <View id="t" enabled={enabled} />
          {others && Array.from({ length: 10 }, (_, i) => <View key={i} id={`o${i}`} />)}
        </>,
      );
    const view = render(app(true, true));
    const stream = await client.next();
    stream.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await stream.drained();
    await nextTask();
    for (let round = 0; round < 5; round++) {
      view.rerender(app(false, true));
      expect(shown.get("t")).toBe("web:idle");
      view.rerender(app(true, true));
      expect(shown.get("t")).toBe("web:web-1");
    }
    expect(idleTimers()).toBe(0);
    expect(client.streams).toHaveLength(1);
    view.rerender(app(false, false));
    expect(idleTimers()).toBe(1);
    view.rerender(app(true, false));
    expect(shown.get("t")).toBe("web:web-1");
    view.rerender(app(false, false));
    timers.advance(TTL);
    expect(registry.stats().entries).toBe(0);
    expect(stream.aborted).toBe(true);
    expect(client.streams).toHaveLength(1);
  });
});
