// SPEC H2/H3: what a component shows always belongs to its current request. After the request
// changes, nothing of the previous key's data is shown as the new key's, whatever the new key's
// entry holds (nothing yet, a live view, a dehydrated seed) and with or without `select`.
import { act, cleanup, screen } from "@testing-library/react";
import {
  type DehydratedState,
  MaterializerRegistry,
  type ServiceHealthResult,
  serviceHealthRequest,
  useBlockingQuery,
  useMaterializedView,
  type ViewResult,
} from "react-submatview";
import { afterEach, describe, expect, test } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { ev, PushableClient, type PushableStream } from "../support/pushable-client.js";
import { renderWith, withRegistry } from "../support/render.js";

let registry: MaterializerRegistry | undefined;
afterEach(() => {
  cleanup();
  registry?.dispose();
  registry = undefined;
});

type Mode = "live" | "live-select" | "blocking-view" | "blocking-query" | "blocking-select";
const modes: Mode[] = ["live", "live-select", "blocking-view", "blocking-query", "blocking-select"];

const ids = (r: ServiceHealthResult) => r.nodes.map((n) => n.Service?.ID ?? "").join(",");

/** Every render: which service it was for and what it showed ("loading" or instance IDs). */
const seen: Array<{ service: string; shown: string }> = [];

function Show({ service, mode }: { service: string; mode: Mode }) {
  return mode === "blocking-query" || mode === "blocking-select" ? (
    <ViaBlockingQuery service={service} mode={mode} />
  ) : (
    <ViaView service={service} mode={mode} />
  );
}

function ViaView({ service, mode }: { service: string; mode: Mode }) {
  const r = useMaterializedView(serviceHealthRequest({ service }), {
    select: mode === "live-select" ? ids : undefined,
    ...(mode === "blocking-view" ? { minIndex: 0n } : {}),
  });
  return <Shown service={service} result={r} />;
}

function ViaBlockingQuery({ service, mode }: { service: string; mode: Mode }) {
  const r = useBlockingQuery(serviceHealthRequest({ service }), {
    select: mode === "blocking-select" ? ids : undefined,
  });
  return <Shown service={service} result={r} />;
}

function Shown(props: { service: string; result: ViewResult<ServiceHealthResult | string> }) {
  const { service, result: r } = props;
  const shown = r.isLoading
    ? "loading"
    : r.data === undefined
      ? "none"
      : typeof r.data === "string"
        ? r.data
        : ids(r.data);
  seen.push({ service, shown });
  return <span data-testid="show">{`${service}:${shown}`}</span>;
}

/** Instances shown for a service that are not that service's own. */
const foreign = () =>
  seen.filter(
    (s) =>
      s.shown !== "loading" &&
      s.shown !== "none" &&
      s.shown.split(",").some((id) => !id.startsWith(`${s.service}-`)),
  );

async function streamFor(client: PushableClient, service: string): Promise<PushableStream> {
  for (;;) {
    const stream = await client.next();
    if (stream.request.Subject.case === "NamedSubject") {
      if (stream.request.Subject.value.Key === service) return stream;
    }
  }
}

function setup(options: { dehydratedState?: DehydratedState } = {}) {
  seen.length = 0;
  const client = new PushableClient();
  registry = new MaterializerRegistry({ client, timers: new ManualTimers(), ...options });
  return { client, registry };
}

describe.each(modes)("SPEC H2/H3: request change (%s)", (mode) => {
  test("to a key with no entry yet: loading until its own snapshot, never the old key's data", async () => {
    const { client, registry } = setup();
    const view = renderWith(registry, <Show service="web" mode={mode} />);
    const web = await streamFor(client, "web");
    web.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
    await screen.findByText("web:web-1");
    view.rerender(withRegistry(registry, <Show service="api" mode={mode} />));
    expect(screen.getByTestId("show").textContent).toBe("api:loading");
    const api = await streamFor(client, "api");
    api.push(ev.register(7n, "n2", "api-1"), ev.end(7n));
    await screen.findByText("api:api-1");
    expect(foreign()).toEqual([]);
  });

  test("to a key with a live entry: its own data, never the old key's", async () => {
    const { client, registry } = setup();
    const holder = registry.acquire(serviceHealthRequest({ service: "api" }));
    const api = await streamFor(client, "api");
    api.push(ev.register(3n, "n2", "api-1"), ev.end(3n));
    await holder.materializer.fetch();
    const view = renderWith(registry, <Show service="web" mode={mode} />);
    const web = await streamFor(client, "web");
    web.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
    await screen.findByText("web:web-1");
    view.rerender(withRegistry(registry, <Show service="api" mode={mode} />));
    await screen.findByText("api:api-1");
    // The old key's entry moves on: none of it may reach the new key's component.
    web.push(ev.register(6n, "n3", "web-2"));
    await act(async () => web.drained());
    api.push(ev.register(4n, "n4", "api-2"));
    await screen.findByText("api:api-1,api-2");
    expect(foreign()).toEqual([]);
    holder.release();
  });

  test("to a key seeded from a dehydrated snapshot: the seed, never the old key's data", async () => {
    // Build a dehydrated state for "api" from a registry fed by hand.
    const serverClient = new PushableClient();
    const source = new MaterializerRegistry({ client: serverClient, timers: new ManualTimers() });
    const lease = source.acquire(serviceHealthRequest({ service: "api" }));
    (await serverClient.next()).push(ev.register(9n, "n2", "api-1"), ev.end(9n));
    await lease.materializer.fetch();
    const dehydratedState = JSON.parse(JSON.stringify(source.dehydrate())) as DehydratedState;
    lease.release();
    source.dispose();

    const { client, registry } = setup({ dehydratedState });
    const view = renderWith(registry, <Show service="web" mode={mode} />);
    const web = await streamFor(client, "web");
    web.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
    await screen.findByText("web:web-1");
    view.rerender(withRegistry(registry, <Show service="api" mode={mode} />));
    await screen.findByText("api:api-1");
    expect(foreign()).toEqual([]);
  });
});
