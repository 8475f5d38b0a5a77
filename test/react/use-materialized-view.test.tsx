import { Code, ConnectError } from "@connectrpc/connect";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import * as ReactModule from "react";
import { Component, type ComponentType, type ReactNode, StrictMode, Suspense } from "react";
import {
  MaterializerProvider,
  MaterializerRegistry,
  type ServiceHealthResult,
  serviceHealthRequest,
  useBlockingQuery,
  useMaterializedView,
  ViewObserver,
} from "react-submatview";
import { afterEach, describe, expect, expectTypeOf, test, vi } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { ev, PushableClient } from "../support/pushable-client.js";
import { renderWith, serverRegistry, withRegistry } from "../support/render.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer | undefined;
let registry: MaterializerRegistry | undefined;

afterEach(async () => {
  cleanup();
  vi.restoreAllMocks();
  registry?.dispose();
  await server?.close();
  server = undefined;
  registry = undefined;
});

const web = (token = "") => serviceHealthRequest({ service: "web", token });
const names = (r: ServiceHealthResult | undefined) =>
  r?.nodes.map((n) => n.Service?.ID).join(",") ?? "";

function List({ token = "", id = "list" }: { token?: string; id?: string }) {
  const { data, isLoading, status, error } = useMaterializedView(web(token));
  return (
    <div data-testid={id} data-status={status} data-error={error?.message ?? ""}>
      {isLoading ? "loading" : names(data) || "empty"}
    </div>
  );
}

/** React 19.2+: a hidden subtree keeps its state while its effects are gone (none on React 18). */
const Activity = (
  ReactModule as unknown as {
    Activity?: ComponentType<{ mode: "visible" | "hidden"; children?: ReactNode }>;
  }
).Activity;

class Boundary extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    return this.state.error ? <span>caught:{this.state.error.message}</span> : this.props.children;
  }
}

async function withServer() {
  server = await startTestServer();
  server.catalog.register({ node: "n1", service: "web", id: "web-1" });
  server.catalog.register({ node: "n2", service: "web", id: "web-2" });
  return server;
}

describe("SPEC H1/H2: provider and hook over the real server", () => {
  test("a list renders from the snapshot and follows live changes", async () => {
    const s = await withServer();
    registry = serverRegistry(s);
    renderWith(registry, <List />);
    expect(screen.getByTestId("list").textContent).toBe("loading");
    await screen.findByText("web-1,web-2");
    s.catalog.register({ node: "n3", service: "web", id: "web-3" });
    await screen.findByText("web-1,web-2,web-3");
    s.catalog.deregister("n1", "web-1");
    await screen.findByText("web-2,web-3");
    expect(screen.getByTestId("list").dataset.status).toBe("live");
  });

  test("StrictMode opens exactly one stream and never tears it down", async () => {
    const s = await withServer();
    registry = serverRegistry(s);
    const opened: number[] = [];
    const subscribe = s.publisher.subscribe.bind(s.publisher);
    s.publisher.subscribe = (req) => {
      opened.push(1);
      return subscribe(req);
    };
    renderWith(registry, <List />, { strict: true });
    await screen.findByText("web-1,web-2");
    s.catalog.register({ node: "n3", service: "web", id: "web-3" });
    await screen.findByText("web-1,web-2,web-3");
    expect(opened).toHaveLength(1);
    expect(s.publisher.stats().subscribers).toBe(1);
  });

  test("50 components on one request share one stream; two tokens make two", async () => {
    const s = await withServer();
    registry = serverRegistry(s);
    renderWith(
      registry,
      Array.from({ length: 50 }, (_, i) => (
        <List key={i} id={`a${i}`} token={i % 2 ? "alpha" : "beta"} />
      )),
    );
    await waitFor(() => expect(screen.getAllByText("web-1,web-2")).toHaveLength(50));
    expect(s.publisher.stats().subscribers).toBe(2);
    // One lease and one materializer listener per key, fanned out in the hook (issue 10).
    expect(registry.stats()).toMatchObject({ entries: 2, refs: 2, listeners: 2 });
  });

  test("unmount keeps the stream for the TTL, then closes it; a remount inside the TTL renders data at once", async () => {
    const s = await withServer();
    const timers = new ManualTimers();
    registry = serverRegistry(s, { timers, idleTtlMs: 30_000 });
    const first = renderWith(registry, <List />);
    await screen.findByText("web-1,web-2");
    first.unmount();
    expect(s.publisher.stats().subscribers).toBe(1);
    timers.advance(29_999);
    const opened = s.publisher.stats().subscribers;
    // Remount inside the TTL: the first render already shows the data, no loading state.
    const second = renderWith(registry, <List />);
    expect(screen.getByTestId("list").textContent).toBe("web-1,web-2");
    expect(s.publisher.stats().subscribers).toBe(opened);
    second.unmount();
    timers.advance(30_000);
    expect(registry.stats().entries).toBe(0);
    await s.publisher.idle();
    expect(s.publisher.stats()).toEqual({ subscribers: 0, buffers: 0, cachedSnapshots: 0 });
  });

  test("provider unmount leaves no stream, timer or listener", async () => {
    const s = await withServer();
    const { createConnectTransport } = await import("@connectrpc/connect-web");
    const transport = createConnectTransport({ baseUrl: s.url });
    let seen: MaterializerRegistry | undefined;
    const { useMaterializerRegistry } = await import("react-submatview");
    function Spy() {
      seen = useMaterializerRegistry();
      return null;
    }
    const view = render(
      <StrictMode>
        <MaterializerProvider transport={transport}>
          <Spy />
          <List />
        </MaterializerProvider>
      </StrictMode>,
    );
    await screen.findByText("web-1,web-2");
    view.unmount();
    await s.publisher.idle();
    expect(seen?.stats()).toEqual({ entries: 0, refs: 0, openStreams: 0, listeners: 0, keys: [] });
    expect(s.publisher.stats()).toEqual({ subscribers: 0, buffers: 0, cachedSnapshots: 0 });
  });

  test("without a provider the hook throws with the fix in the message", () => {
    const spy = console.error;
    console.error = () => {};
    try {
      expect(() => render(<List />)).toThrow(/Wrap your tree in <MaterializerProvider/);
    } finally {
      console.error = spy;
    }
  });
});

describe("SPEC H5: batched renders", () => {
  test("a burst of 1,000 events renders each component at most once; an unchanged slice renders zero times", async () => {
    const client = new PushableClient();
    registry = new MaterializerRegistry({ client, timers: new ManualTimers() });
    const renders = { list: 0, count: 0, other: 0 };
    function Count() {
      const { data } = useMaterializedView(web(), { select: (r) => r.nodes.length });
      renders.count++;
      return <span data-testid="count">{data ?? "-"}</span>;
    }
    function Other() {
      const { data } = useMaterializedView(web(), {
        select: (r) => r.nodes.some((n) => n.Node?.Node === "zzz"),
      });
      renders.other++;
      return <span data-testid="other">{String(data)}</span>;
    }
    function Whole() {
      const { data } = useMaterializedView(web());
      renders.list++;
      return <span data-testid="whole">{data?.index.toString() ?? "-"}</span>;
    }
    renderWith(
      registry,
      <>
        <Count />
        <Other />
        <Whole />
      </>,
    );
    const stream = await client.next();
    stream.push(ev.end(1n));
    await screen.findByText("0");
    const before = { ...renders };
    // 1,000 live events pushed in one task: the hook hears about them once.
    for (let i = 2n; i <= 1001n; i++) stream.push(ev.register(i, `n${i}`, `web-${i}`));
    await screen.findByText("1001");
    expect(screen.getByTestId("count").textContent).toBe("1000");
    expect(renders.count - before.count).toBe(1);
    expect(renders.list - before.list).toBe(1);
    expect(renders.other - before.other).toBe(0);
  });
});

describe("SPEC H2: Suspense, errors, enabled", () => {
  test("Suspense resolves on the first snapshot, not at the end of the stream", async () => {
    const client = new PushableClient();
    registry = new MaterializerRegistry({ client, timers: new ManualTimers() });
    function Suspended() {
      const { data } = useMaterializedView(web(), { suspense: true });
      return <span>{`ready:${names(data)}`}</span>;
    }
    renderWith(
      registry,
      <Suspense fallback={<span>fallback</span>}>
        <Suspended />
      </Suspense>,
    );
    expect(screen.getByText("fallback")).toBeTruthy();
    const stream = await client.next();
    stream.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
    await screen.findByText("ready:web-1");
    expect(client.streams).toHaveLength(1);
    stream.push(ev.register(6n, "n2", "web-2"));
    await screen.findByText("ready:web-1,web-2");
  });

  test("Suspense survives a network error before the first snapshot, and a settled first-snapshot promise is never thrown again", async () => {
    const client = new PushableClient();
    const timers = new ManualTimers();
    registry = new MaterializerRegistry({ client, timers, idleTtlMs: 1_000 });
    let renders = 0;
    function Suspended() {
      // A component re-suspending on a settled promise re-renders in a loop: fail, don't spin.
      if (++renders > 50) throw new Error("render loop");
      const { data, error } = useMaterializedView(web(), { suspense: true });
      return <span>{error ? `error:${error.message}` : `ready:${names(data)}`}</span>;
    }
    function Page({ mode }: { mode: "visible" | "hidden" }) {
      return (
        <Boundary>
          {Activity ? (
            <Activity mode={mode}>
              <Suspense fallback={<span>fallback</span>}>
                <Suspended />
              </Suspense>
            </Activity>
          ) : (
            <Suspense fallback={<span>fallback</span>}>
              <Suspended />
            </Suspense>
          )}
        </Boundary>
      );
    }
    vi.spyOn(console, "error").mockImplementation(() => {});
    const view = renderWith(registry, <Page mode="visible" />);
    expect(screen.getByText("fallback")).toBeTruthy();
    const first = await client.next();
    // An error before the first snapshot ends suspending: the component shows it (SPEC H2).
    first.fail(new ConnectError("connection dropped", Code.Unavailable));
    await screen.findByText(/error:.*connection dropped/);
    const second = await client.next(); // failure 1 retries at once
    second.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
    await screen.findByText("ready:web-1");
    // Hidden (the component keeps its state, its subscription ends) past the idle TTL: the
    // entry goes. Shown again, the same component has no snapshot and suspends anew. The
    // second round is the test: its first-snapshot promise from the first round has settled
    // and must not be thrown again. (Without <Activity>, React 18, a component that suspends
    // is always a fresh mount, so this path does not exist there.)
    if (!Activity) return;
    for (const index of [6n, 7n]) {
      view.rerender(withRegistry(registry, <Page mode="hidden" />));
      await act(async () => timers.advance(1_000));
      expect(registry.stats().entries).toBe(0);
      const before = renders;
      view.rerender(withRegistry(registry, <Page mode="visible" />));
      const loop = screen.findByText("caught:render loop").then(() => undefined);
      const stream = await Promise.race([client.next(), loop]);
      expect(screen.queryByText("caught:render loop")).toBeNull();
      stream?.push(ev.register(index, "n1", "web-1"), ev.register(index, "n2", `web-${index}`));
      stream?.push(ev.end(index));
      await screen.findByText(new RegExp(`ready:web-1,web-${index}|caught:render loop`));
      expect(screen.queryByText("caught:render loop")).toBeNull();
      expect(renders - before).toBeLessThan(10);
    }
  });

  test("a network error keeps the last data visible with error set, and clears after recovery", async () => {
    const client = new PushableClient();
    registry = new MaterializerRegistry({ client, timers: new ManualTimers() });
    renderWith(registry, <List />);
    const stream = await client.next();
    stream.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
    await screen.findByText("web-1");
    stream.fail(new ConnectError("connection dropped", Code.Unavailable));
    await waitFor(() =>
      expect(screen.getByTestId("list").dataset.error).toMatch(/connection dropped/),
    );
    expect(screen.getByTestId("list").textContent).toBe("web-1");
    expect(screen.getByTestId("list").dataset.status).toBe("reconnecting");
    const resumed = await client.next();
    expect(resumed.request.Index).toBe(5n);
    resumed.push(ev.register(6n, "n2", "web-2"));
    await screen.findByText("web-1,web-2");
    expect(screen.getByTestId("list").dataset.error).toBe("");
    expect(screen.getByTestId("list").dataset.status).toBe("live");
  });

  test("a terminal error gives status 'failed', and suspense rethrows it to the error boundary", async () => {
    const client = new PushableClient();
    registry = new MaterializerRegistry({ client, timers: new ManualTimers() });
    function Suspended() {
      useMaterializedView(web("t"), { suspense: true });
      return <span>never</span>;
    }
    const spy = console.error;
    console.error = () => {};
    try {
      renderWith(
        registry,
        <>
          <List token="t" />
          <Boundary>
            <Suspense fallback={<span>fallback</span>}>
              <Suspended />
            </Suspense>
          </Boundary>
        </>,
      );
      const stream = await client.next();
      stream.fail(new ConnectError("ACL not found", Code.Unknown));
      await waitFor(() => expect(screen.getByTestId("list").dataset.status).toBe("failed"));
      await screen.findByText(/caught:.*ACL not found/);
      expect(client.streams).toHaveLength(1);
    } finally {
      console.error = spy;
    }
  });

  test("enabled: false opens nothing", async () => {
    const client = new PushableClient();
    registry = new MaterializerRegistry({ client, timers: new ManualTimers() });
    function Off() {
      const r = useMaterializedView(web(), { enabled: false });
      return <span>{`${r.isLoading}:${r.status}`}</span>;
    }
    renderWith(registry, <Off />);
    await act(async () => {});
    expect(screen.getByText("false:connecting")).toBeTruthy();
    expect(client.streams).toHaveLength(0);
  });
});

describe("SPEC H3: blocking index queries", () => {
  test("useBlockingQuery publishes each result and advances minIndex", async () => {
    const client = new PushableClient();
    registry = new MaterializerRegistry({ client, timers: new ManualTimers() });
    const seen: bigint[] = [];
    function Blocking() {
      const r = useBlockingQuery(web());
      if (!seen.includes(r.index)) seen.push(r.index);
      return <span data-testid="b">{`${r.index}:${names(r.data)}`}</span>;
    }
    renderWith(registry, <Blocking />);
    const stream = await client.next();
    stream.push(ev.register(3n, "n1", "web-1"), ev.end(3n));
    await screen.findByText("3:web-1");
    stream.push(ev.register(4n, "n2", "web-2"));
    await screen.findByText("4:web-1,web-2");
    stream.push(ev.deregister(9n, "n1", "web-1"));
    await screen.findByText("9:web-2");
    expect(seen).toEqual([0n, 3n, 4n, 9n]);
  });
});

describe("SPEC H6: connection budget", () => {
  test("a page with more than 5 streams to an http: origin warns once, naming the fix", async () => {
    const client = new PushableClient();
    const warnings: string[] = [];
    registry = new MaterializerRegistry({
      client,
      baseUrl: "http://consul.local:8500",
      logger: { warn: (m) => warnings.push(m) },
      timers: new ManualTimers(),
    });
    for (let i = 1; i <= 5; i++) registry.acquire(serviceHealthRequest({ service: `s${i}` }));
    expect(warnings).toEqual([]);
    registry.acquire(serviceHealthRequest({ service: "s6" }));
    registry.acquire(serviceHealthRequest({ service: "s7" }));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/6 live streams to http:\/\/consul\.local:8500.*HTTP\/2/);
  });

  test("https: origins and shared views do not warn", () => {
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m) };
    registry = new MaterializerRegistry({
      client: new PushableClient(),
      baseUrl: "https://consul",
      logger,
    });
    for (let i = 1; i <= 8; i++) registry.acquire(serviceHealthRequest({ service: `s${i}` }));
    const shared = new MaterializerRegistry({
      client: new PushableClient(),
      baseUrl: "http://consul",
      logger,
    });
    for (let i = 1; i <= 20; i++) shared.acquire(web());
    shared.dispose();
    expect(warnings).toEqual([]);
  });
});

describe("types", () => {
  /** Its `expectTypeOf` lines are checked by tsc (`npm run typecheck` in CI): a wrong inference fails it. */
  function TypeProbe() {
    const whole = useMaterializedView(web());
    const count = useMaterializedView(web(), { select: (r) => r.nodes.length });
    const blocking = useBlockingQuery(web(), { select: (r) => r.index });
    expectTypeOf(whole.data).toEqualTypeOf<ServiceHealthResult | undefined>();
    expectTypeOf(count.data).toEqualTypeOf<number | undefined>();
    expectTypeOf(blocking.data).toEqualTypeOf<bigint | undefined>();
    return <span>{`${whole.isLoading}:${count.isLoading}:${blocking.isLoading}`}</span>;
  }

  test("data is inferred from the request and the selector", () => {
    registry = new MaterializerRegistry({
      client: new PushableClient(),
      timers: new ManualTimers(),
    });
    renderWith(registry, <TypeProbe />);
    expect(screen.getByText("true:true:true")).toBeTruthy();
  });
});

describe("SPEC H2: idleTtlMs", () => {
  test("a component can keep its view longer than the registry's TTL", async () => {
    const client = new PushableClient();
    const timers = new ManualTimers();
    registry = new MaterializerRegistry({ client, timers, idleTtlMs: 1_000 });
    function Long() {
      const { data } = useMaterializedView(web(), { idleTtlMs: 10_000 });
      return <span>{names(data) || "none"}</span>;
    }
    const view = renderWith(registry, <Long />);
    const stream = await client.next();
    stream.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await screen.findByText("web-1");
    view.unmount();
    timers.advance(9_999);
    expect(registry.stats().entries).toBe(1);
    timers.advance(1);
    expect(registry.stats().entries).toBe(0);
    expect(stream.aborted).toBe(true);
  });
});

describe("SPEC H3: useMaterializedView in blocking mode", () => {
  test("{ minIndex, timeoutMs } re-issues blocking queries: each result is published, a timeout is notModified", async () => {
    const client = new PushableClient();
    const timers = new ManualTimers();
    registry = new MaterializerRegistry({ client, timers });
    function Blocking() {
      const r = useMaterializedView(web(), { minIndex: 0n, timeoutMs: 5_000 });
      return (
        <span data-testid="m">{`${r.index}:${names(r.data)}:${r.notModified ? "nm" : "new"}`}</span>
      );
    }
    renderWith(registry, <Blocking />);
    const stream = await client.next();
    stream.push(ev.register(3n, "n1", "web-1"), ev.end(3n));
    await screen.findByText("3:web-1:new");
    // The next query blocks at minIndex 3; its timeout fires with the same state, notModified.
    await act(async () => timers.advance(5_000));
    await screen.findByText("3:web-1:nm");
    stream.push(ev.register(4n, "n2", "web-2"));
    await screen.findByText("4:web-1,web-2:new");
    expect(client.streams).toHaveLength(1);
  });
});

describe("STYLE 5: a change between render and subscribe is never lost", () => {
  test("ViewObserver calls the listener at once when the state moved after getSnapshot", async () => {
    const client = new PushableClient();
    registry = new MaterializerRegistry({ client, timers: new ManualTimers() });
    const holder = registry.acquire(web());
    const stream = await client.next();
    stream.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await holder.materializer.fetch();
    const observer = new ViewObserver(registry, web());
    const rendered = observer.getSnapshot(); // what a render saw
    expect(rendered.index).toBe(2n);
    stream.push(ev.register(3n, "n2", "web-2")); // lands before the component subscribes
    await stream.drained();
    let calls = 0;
    const unsubscribe = observer.subscribe(() => calls++);
    expect(calls).toBe(1);
    expect(observer.getSnapshot().index).toBe(3n);
    unsubscribe();
    holder.release();
  });
});
