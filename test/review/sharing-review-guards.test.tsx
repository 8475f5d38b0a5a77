// Review of 363aab2 / b9c2bc6 (one lease and one subscription per request key, the hook's
// idleTtlMs): hostile cases that pass at HEAD, kept as guards (SPEC H1, H2, H3, H5, R1, R4).
import { act, render } from "@testing-library/react";
import { Component, type ReactNode, Suspense } from "react";
import {
  type ServiceHealthResult,
  serviceHealthRequest,
  useMaterializedView,
} from "react-submatview";
import { describe, expect, test } from "vitest";
import { bed, disposeBedsAfterEach } from "../react/sharing-support.js";
import { ev, type PushableStream } from "../support/pushable-client.js";
import { withRegistry } from "../support/render.js";

disposeBedsAfterEach();

const web = serviceHealthRequest({ service: "web" });
const ids = (r: ServiceHealthResult | undefined) => r?.nodes.map((n) => n.Service?.ID).join(",");
const nextTask = () => act(() => new Promise<void>((resolve) => setImmediate(resolve)));
async function push(stream: PushableStream, ...events: Parameters<PushableStream["push"]>) {
  stream.push(...events);
  await stream.drained();
  await nextTask();
}

describe("SPEC H2, H5: components on one key with different selects", () => {
  test("a select that returns a new object every call, one with its own isEqual and a plain one: no render loop, each renders once per change it sees", async () => {
    const { client, registry } = bed();
    const renders = { fresh: 0, equal: 0, plain: 0 };
    const sameCount = (a: { n: number }, b: { n: number }) => a.n === b.n;
    function Fresh() {
      // A new object on every call: cached per entry state, so no getSnapshot loop.
      useMaterializedView(web, { select: (r) => ({ n: r.nodes.length }) });
      renders.fresh++;
      return null;
    }
    function Equal() {
      useMaterializedView(web, { select: (r) => ({ n: r.nodes.length }), isEqual: sameCount });
      renders.equal++;
      return null;
    }
    function Plain() {
      useMaterializedView(web);
      renders.plain++;
      return null;
    }
    render(
      withRegistry(
        registry,
        <>
          <Fresh />
          <Equal />
          <Plain />
        </>,
      ),
    );
    const stream = await client.next();
    await push(stream, ev.register(2n, "n1", "web-1"), ev.end(2n));
    const after = { ...renders };
    // Same count (a health change of n1): Equal must not render, the others do (new value).
    await push(stream, ev.register(3n, "n1", "web-1", { status: "critical" }));
    expect(renders.equal).toBe(after.equal);
    expect(renders.fresh).toBeGreaterThan(after.fresh);
    expect(renders.fresh).toBeLessThan(after.fresh + 4);
    expect(renders.plain).toBeLessThan(after.plain + 4);
    await push(stream, ev.register(4n, "n2", "web-2"));
    expect(renders.equal).toBe(after.equal + 1);
    expect(client.streams).toHaveLength(1);
  });
});

describe("SPEC R4: the last component leaves and another mounts in the same task", () => {
  for (const ttl of [undefined, 30_000]) {
    test(`the stream is neither closed nor reopened, even with a registry TTL of 0 (component idleTtlMs ${ttl})`, async () => {
      const { client, timers, registry } = bed(0);
      function V() {
        useMaterializedView(web, { idleTtlMs: ttl });
        return null;
      }
      const a = document.createElement("div");
      const b = document.createElement("div");
      const first = render(withRegistry(registry, <V />), { container: a });
      const stream = await client.next();
      await push(stream, ev.register(2n, "n1", "web-1"), ev.end(2n));
      act(() => {
        first.unmount();
        render(withRegistry(registry, <V />), { container: b });
      });
      timers.advance(0);
      await nextTask();
      expect(stream.aborted).toBe(false);
      expect(client.streams).toHaveLength(1);
      expect(registry.stats()).toMatchObject({ entries: 1, refs: 1, openStreams: 1 });
    });
  }

  test("a sole component whose idleTtlMs appears on a later render (its subscription is swapped) keeps the stream, and asks that TTL when it leaves", async () => {
    const { client, timers, registry } = bed(1_000);
    const app = (ttl: number | undefined, on = true) =>
      withRegistry(registry, on ? <TtlView ttl={ttl} /> : null, { strict: true });
    const view = render(app(undefined));
    const stream = await client.next();
    await push(stream, ev.register(2n, "n1", "web-1"), ev.end(2n));
    view.rerender(app(20_000));
    timers.advance(1_000);
    expect(stream.aborted).toBe(false);
    view.rerender(app(20_000, false));
    timers.advance(19_999);
    expect(stream.aborted).toBe(false);
    timers.advance(1);
    expect(stream.aborted).toBe(true);
    expect(client.streams).toHaveLength(1);
  });
});

function TtlView({ ttl }: { ttl: number | undefined }) {
  useMaterializedView(web, { idleTtlMs: ttl });
  return null;
}

describe("SPEC H2, R4: enabled false → true → false → true", () => {
  test("quick toggles open one stream at most and leave no reference once unmounted", async () => {
    const { client, timers, registry } = bed(1_000);
    function Toggle({ on }: { on: boolean }) {
      const r = useMaterializedView(web, { enabled: on });
      return `${r.isLoading}:${ids(r.data) ?? ""}`;
    }
    const app = (on: boolean) => withRegistry(registry, <Toggle on={on} />, { strict: true });
    const view = render(app(false));
    act(() => {
      view.rerender(app(true));
      view.rerender(app(false));
      view.rerender(app(true));
      view.rerender(app(false));
    });
    expect(registry.stats().refs).toBe(0);
    view.rerender(app(true));
    const stream = await client.next();
    await push(stream, ev.register(2n, "n1", "web-1"), ev.end(2n));
    expect(view.container.textContent).toBe("false:web-1");
    view.rerender(app(false));
    expect(view.container.textContent).toBe("false:");
    expect(registry.stats()).toMatchObject({ refs: 0, listeners: 0 });
    timers.advance(1_000);
    expect(registry.stats().entries).toBe(0);
    expect(client.streams.filter((s) => !s.aborted)).toHaveLength(0);
  });
});

describe("SPEC H2: Suspense, two components on one key, one unmounted before the snapshot", () => {
  test("the other resumes on the same stream; nothing is held once it unmounts and the grace is over", async () => {
    const { client, timers, registry } = bed(1_000);
    function S({ id }: { id: string }) {
      const r = useMaterializedView(web, { suspense: true });
      return `${id}:${ids(r.data)} `;
    }
    const app = (both: boolean, on = true) =>
      withRegistry(
        registry,
        on ? (
          <Suspense fallback="wait">
            <S id="a" />
            {both ? <S id="b" /> : null}
          </Suspense>
        ) : null,
      );
    const view = render(app(true));
    const stream = await client.next();
    expect(view.container.textContent).toBe("wait");
    view.rerender(app(false));
    await push(stream, ev.register(2n, "n1", "web-1"), ev.end(2n));
    await nextTask();
    expect(view.container.textContent).toBe("a:web-1 ");
    expect(client.streams).toHaveLength(1);
    view.rerender(app(false, false));
    expect(registry.stats()).toMatchObject({ refs: 0, listeners: 0 });
    timers.advance(1_000);
    expect(registry.stats().entries).toBe(0);
    expect(stream.aborted).toBe(true);
  });
});

describe("SPEC R1: a token change never shares a key subscription", () => {
  test("same request, another token: its own stream with its own token, and never the other token's data", async () => {
    const { client, registry } = bed();
    const shown: string[] = [];
    function T({ token }: { token: string }) {
      const r = useMaterializedView(serviceHealthRequest({ service: "web", token }));
      const text = `${token}:${r.isLoading ? "loading" : ids(r.data)}`;
      shown.push(text);
      return text;
    }
    const view = render(withRegistry(registry, <T token="token-a" />, { strict: true }));
    const a = await client.next();
    expect(a.request.Token).toBe("token-a");
    await push(a, ev.register(2n, "n1", "secret-a"), ev.end(2n));
    expect(view.container.textContent).toBe("token-a:secret-a");
    view.rerender(withRegistry(registry, <T token="token-b" />, { strict: true }));
    expect(view.container.textContent).toBe("token-b:loading");
    const b = await client.next();
    expect(b.request.Token).toBe("token-b");
    // Token A's stream sends more while B's is loading: B must not see it.
    await push(a, ev.register(3n, "n2", "secret-a2"));
    await push(b, ev.register(4n, "n1", "secret-b"), ev.end(4n));
    expect(view.container.textContent).toBe("token-b:secret-b");
    expect(shown.filter((s) => s.startsWith("token-b") && s.includes("secret-a"))).toEqual([]);
    expect(client.streams).toHaveLength(2);
  });
});

describe("SPEC H3: a blocking-mode component on a key another follows live", () => {
  test("one stream serves both; the blocking one gets each newer index, the live one every update", async () => {
    const { client, registry } = bed();
    function Live() {
      const r = useMaterializedView(web);
      return `live:${r.index} `;
    }
    function Blocking() {
      const r = useMaterializedView(web, { minIndex: 0n, select: (v) => v.nodes.length });
      return `blocking:${r.data}@${r.index}`;
    }
    const view = render(
      withRegistry(
        registry,
        <>
          <Live />
          <Blocking />
        </>,
        { strict: true },
      ),
    );
    const stream = await client.next();
    await push(stream, ev.register(2n, "n1", "web-1"), ev.end(2n));
    await nextTask();
    expect(view.container.textContent).toBe("live:2 blocking:1@2");
    await push(stream, ev.register(3n, "n2", "web-2"));
    await nextTask();
    expect(view.container.textContent).toBe("live:3 blocking:2@3");
    expect(client.streams).toHaveLength(1);
  });
});

class Boundary extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    return this.state.error ? `caught:${this.state.error.message} ` : this.props.children;
  }
}

describe("SPEC H2, H5: one component's select throws", () => {
  test("an inline select that throws reaches its boundary; the other components of the key keep following", async () => {
    const { client, registry } = bed();
    function Thrower() {
      const r = useMaterializedView(web, {
        select: (v) => {
          if (v.nodes.length > 1) throw new Error("select failed");
          return v.nodes.length;
        },
      });
      return `thrower:${r.data} `;
    }
    function Other() {
      const r = useMaterializedView(web, { select: (v) => ids(v) });
      return `other:${r.data}`;
    }
    const view = render(
      withRegistry(
        registry,
        <>
          <Boundary>
            <Thrower />
          </Boundary>
          <Other />
        </>,
      ),
    );
    const stream = await client.next();
    await push(stream, ev.register(2n, "n1", "web-1"), ev.end(2n));
    expect(view.container.textContent).toBe("thrower:1 other:web-1");
    await push(stream, ev.register(3n, "n2", "web-2"));
    expect(view.container.textContent).toBe("caught:select failed other:web-1,web-2");
    await push(stream, ev.register(4n, "n3", "web-3"));
    expect(view.container.textContent).toBe("caught:select failed other:web-1,web-2,web-3");
    expect(registry.stats()).toMatchObject({ refs: 1, listeners: 1 });
  });
});
