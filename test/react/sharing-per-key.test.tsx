// Sharing per key (issue 10, SPEC R2, R4, H5): however many components use a request key, the
// registry sees one lease and one materializer listener for it; the last component leaving
// releases it. And the hook's idleTtlMs (SPEC H2, R4): the TTL of the last holders to leave,
// never a TTL an earlier holder asked for.
import { act, cleanup, render } from "@testing-library/react";
import {
  MaterializerRegistry,
  serviceHealthRequest,
  useMaterializedView,
  ViewObserver,
} from "react-submatview";
import { afterEach, describe, expect, test } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { ev, PushableClient } from "../support/pushable-client.js";
import { withRegistry } from "../support/render.js";

const registries: MaterializerRegistry[] = [];
afterEach(() => {
  cleanup();
  for (const r of registries.splice(0)) r.dispose();
});

const REGISTRY_TTL = 1_000;
function bed() {
  const client = new PushableClient();
  const timers = new ManualTimers();
  const registry = new MaterializerRegistry({ client, timers, idleTtlMs: REGISTRY_TTL });
  registries.push(registry);
  return { client, timers, registry };
}

const web = serviceHealthRequest({ service: "web" });
const nextTask = () => act(() => new Promise<void>((resolve) => setImmediate(resolve)));

function View({ ttl, select }: { ttl?: number; select?: boolean }) {
  useMaterializedView(web, {
    idleTtlMs: ttl,
    select: select ? (r) => r.nodes.length : undefined,
  });
  return null;
}

describe("SPEC R2, R4, H5: one lease and one subscription per key", () => {
  test("1,000 components on one key hold one registry reference and one materializer listener", async () => {
    const { client, registry } = bed();
    const app = (n: number) =>
      withRegistry(
        registry,
        Array.from({ length: n }, (_, i) => <View key={i} select={i % 2 === 0} />),
      );
    const view = render(app(1_000));
    const stream = await client.next();
    stream.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await stream.drained();
    await nextTask();
    expect(registry.stats()).toMatchObject({ entries: 1, refs: 1, listeners: 1 });
    // Leaving one by one keeps the one reference until the last goes.
    view.rerender(app(1));
    expect(registry.stats()).toMatchObject({ refs: 1, listeners: 1 });
    view.rerender(app(0));
    expect(registry.stats()).toMatchObject({ entries: 1, refs: 0, listeners: 0 });
  });

  test("under StrictMode's double mount, 20 components on one key still hold one reference and one listener", async () => {
    const { client, registry } = bed();
    const view = render(
      withRegistry(
        registry,
        Array.from({ length: 20 }, (_, i) => <View key={i} select={i % 2 === 0} />),
        { strict: true },
      ),
    );
    const stream = await client.next();
    stream.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await stream.drained();
    await nextTask();
    expect(registry.stats()).toMatchObject({ entries: 1, refs: 1, listeners: 1 });
    expect(client.streams).toHaveLength(1);
    view.unmount();
    expect(registry.stats()).toMatchObject({ entries: 1, refs: 0, listeners: 0 });
  });

  test("ViewObservers of one key share a subscription: a listener added twice still counts twice", async () => {
    const { client, registry } = bed();
    const a = new ViewObserver(registry, web);
    const b = new ViewObserver(registry, web);
    let calls = 0;
    const listener = () => calls++;
    const stopA = a.subscribe(listener);
    const stopB = b.subscribe(listener);
    expect(registry.stats()).toMatchObject({ refs: 1, listeners: 1 });
    calls = 0; // (each subscribe told its listener that the entry now exists: STYLE 5)
    const stream = await client.next();
    stream.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await stream.drained();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(calls).toBe(2);
    stopA();
    expect(registry.stats().refs).toBe(1);
    stopB();
    expect(registry.stats().refs).toBe(0);
  });
});

describe("SPEC H2, R4: the hook's idleTtlMs", () => {
  /** Mounts one component per TTL of `ttls`; `unmountAll` removes them in one commit. */
  async function mounted(ttls: (number | undefined)[]) {
    const b = bed();
    const app = (on: boolean) =>
      withRegistry(b.registry, on ? ttls.map((ttl, i) => <View key={i} ttl={ttl} />) : null);
    const view = render(app(true));
    const stream = await b.client.next();
    stream.push(ev.end(2n));
    await stream.drained();
    return { ...b, unmountAll: () => view.rerender(app(false)) };
  }

  /** Advances to just before `ms` and at `ms`: the entry lives until then, not a moment longer. */
  function expectExpiryAfter(
    b: { timers: ManualTimers; registry: MaterializerRegistry },
    ms: number,
  ) {
    b.timers.advance(ms - 1);
    expect(b.registry.stats().entries).toBe(1);
    b.timers.advance(1);
    expect(b.registry.stats().entries).toBe(0);
  }

  test("a longer TTL asked by a component that left earlier does not stay on the entry", async () => {
    const b = bed();
    function Long({ on }: { on: boolean }) {
      return on ? <View ttl={60_000} /> : null;
    }
    const app = (long: boolean, short: boolean) =>
      withRegistry(
        b.registry,
        <>
          <Long on={long} />
          {short && <View />}
        </>,
      );
    const view = render(app(true, true));
    const stream = await b.client.next();
    stream.push(ev.end(2n));
    await stream.drained();
    view.rerender(app(false, true));
    await nextTask();
    view.rerender(app(false, false));
    expectExpiryAfter(b, REGISTRY_TTL);
    expect(stream.aborted).toBe(true);
  });

  test("the last holder's TTL applies, and a later holding period starts from none (not the longest ever asked)", async () => {
    const b = bed();
    const app = (ttl: number | undefined, on: boolean) =>
      withRegistry(b.registry, on ? <View ttl={ttl} /> : null);
    const view = render(app(30_000, true));
    const stream = await b.client.next();
    stream.push(ev.end(2n));
    await stream.drained();
    view.rerender(app(30_000, false));
    b.timers.advance(10_000);
    expect(b.registry.stats().entries).toBe(1);
    // Back within the TTL, then gone again without asking for one: the registry's TTL.
    view.rerender(app(undefined, true));
    view.rerender(app(undefined, false));
    expectExpiryAfter(b, REGISTRY_TTL);
  });

  test("components leaving in one commit count together: the longest TTL among them, whatever their order", async () => {
    for (const ttls of [
      [undefined, 20_000, 5_000],
      [20_000, undefined, 5_000],
      [5_000, undefined, 20_000],
    ]) {
      const b = await mounted(ttls);
      b.unmountAll();
      expectExpiryAfter(b, 20_000);
      cleanup();
    }
  });

  test("a TTL changed on a later render is the one asked when leaving; one shorter than the registry's does not shorten it", async () => {
    const b = bed();
    const app = (ttl: number | undefined, on: boolean) =>
      withRegistry(b.registry, on ? <View ttl={ttl} /> : null);
    const view = render(app(60_000, true));
    const stream = await b.client.next();
    stream.push(ev.end(2n));
    await stream.drained();
    view.rerender(app(5_000, true));
    view.rerender(app(5_000, false));
    expectExpiryAfter(b, 5_000);
    const again = render(app(10, true));
    const second = await b.client.next();
    second.push(ev.end(3n));
    await second.drained();
    again.rerender(app(10, false));
    expectExpiryAfter(b, REGISTRY_TTL);
  });
});
