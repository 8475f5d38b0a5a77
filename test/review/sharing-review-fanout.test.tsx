// Review of 363aab2: the key's fan-out to its components while the components it notifies
// change what they listen to (SPEC H2, H5, R4) — a component that changes its request key
// because of the update, components mounted because of it, one unmounted because of it — and
// a sole holder's key change away from a failed key and back (R5).
import { Code, ConnectError } from "@connectrpc/connect";
import { act, render } from "@testing-library/react";
import {
  MaterializerRegistry,
  type ServiceHealthResult,
  serviceHealthRequest,
  useMaterializedView,
} from "react-submatview";
import { describe, expect, test } from "vitest";
import { disposeBedsAfterEach, trackRegistry } from "../react/sharing-support.js";
import { ManualTimers } from "../support/manual-timers.js";
import { ev, PushableClient, type PushableStream } from "../support/pushable-client.js";
import { withRegistry } from "../support/render.js";

disposeBedsAfterEach();

const web = serviceHealthRequest({ service: "web" });
const api = serviceHealthRequest({ service: "api" });
const ids = (r: ServiceHealthResult | undefined) => r?.nodes.map((n) => n.Service?.ID).join(",");
const nextTask = () => act(() => new Promise<void>((resolve) => setImmediate(resolve)));
async function push(stream: PushableStream, ...events: Parameters<PushableStream["push"]>) {
  stream.push(...events);
  await stream.drained();
  await nextTask();
}

/** Follows web; once web has two instances it moves to api (a key change the update causes). */
function Mover({ id }: { id: string }) {
  const w = useMaterializedView(web, { select: (r) => r.nodes.length });
  const moved = (w.data ?? 0) >= 2;
  const r = useMaterializedView(moved ? api : web);
  return `${id}:${moved ? "api" : "web"}=${r.isLoading ? "loading" : ids(r.data)} `;
}

/** One row per web instance, each a component of its own on the same key (mounted by it). */
function Rows() {
  const r = useMaterializedView(web);
  return (r.data?.nodes ?? []).map((n) => <Row key={n.Service?.ID} id={n.Service?.ID ?? ""} />);
}
function Row({ id }: { id: string }) {
  const r = useMaterializedView(web, { select: (v) => v.nodes.some((n) => n.Service?.ID === id) });
  return `[${id}:${r.data}]`;
}

describe("SPEC H2, H5, R4: changes caused by the fan-out itself", () => {
  test("components that change key, mount and unmount because of one update each show their own key's data, and the key keeps one reference", async () => {
    const client = new PushableClient();
    const timers = new ManualTimers();
    const registry = new MaterializerRegistry({ client, timers, idleTtlMs: 1_000 });
    trackRegistry(registry);
    const view = render(
      withRegistry(
        registry,
        <>
          <Mover id="m1" />
          <Rows />
          <Mover id="m2" />
        </>,
        { strict: true },
      ),
    );
    const webStream = await client.next();
    await push(webStream, ev.register(2n, "n1", "web-1"), ev.end(2n));
    expect(view.container.textContent).toBe("m1:web=web-1 [web-1:true]m2:web=web-1 ");
    // One update: both movers switch to api, a row mounts (during the fan-out's render).
    await push(webStream, ev.register(3n, "n2", "web-2"));
    expect(view.container.textContent).toBe(
      "m1:api=loading [web-1:true][web-2:true]m2:api=loading ",
    );
    const apiStream = await client.next();
    await push(apiStream, ev.register(4n, "a1", "api-1"), ev.end(4n));
    expect(view.container.textContent).toBe("m1:api=api-1 [web-1:true][web-2:true]m2:api=api-1 ");
    // A row unmounts because of an update; the others keep following.
    await push(webStream, ev.deregister(5n, "n1", "web-1"));
    expect(view.container.textContent).toBe("m1:web=web-2 [web-2:true]m2:web=web-2 ");
    // One reference per key however many components (R4), even while they come and go.
    expect(registry.stats()).toMatchObject({ entries: 2, refs: 1, listeners: 1 });
    expect(client.streams).toHaveLength(2);
    timers.advance(1_000);
    // api's last holders left with the update above: its TTL ran out; web stays.
    expect(registry.stats()).toMatchObject({ entries: 1, refs: 1 });
    expect(apiStream.aborted).toBe(true);
    expect(webStream.aborted).toBe(false);
  });
});

describe("SPEC R5: a sole holder leaves a failed key and comes back", () => {
  test("the stopped entry went with its last holder: coming back opens a fresh stream and shows its data", async () => {
    const client = new PushableClient();
    const registry = new MaterializerRegistry({ client, timers: new ManualTimers() });
    trackRegistry(registry);
    function V({ service }: { service: "web" | "api" }) {
      const r = useMaterializedView(service === "web" ? web : api);
      return `${service}:${r.isLoading ? "loading" : r.error ? r.status : ids(r.data)}`;
    }
    const app = (service: "web" | "api") =>
      withRegistry(registry, <V service={service} />, { strict: true });
    const view = render(app("web"));
    const first = await client.next();
    await push(first, ev.register(2n, "n1", "web-1"), ev.end(2n));
    first.fail(new ConnectError("denied", Code.PermissionDenied));
    await nextTask();
    await nextTask();
    expect(view.container.textContent).toBe("web:failed");
    view.rerender(app("api"));
    const apiStream = await client.next();
    await push(apiStream, ev.register(3n, "a1", "api-1"), ev.end(3n));
    expect(view.container.textContent).toBe("api:api-1");
    view.rerender(app("web"));
    expect(view.container.textContent).toBe("web:loading");
    const fresh = await client.next();
    await push(fresh, ev.register(7n, "n1", "web-2"), ev.end(7n));
    expect(view.container.textContent).toBe("web:web-2");
    expect(client.streams).toHaveLength(3);
  });
});
