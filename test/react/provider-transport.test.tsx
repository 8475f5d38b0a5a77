// SPEC H1: the provider's owned registry follows its `transport` and registry options: a change
// replaces the registry (the old one disposed, its streams closed) and the subtree follows the
// new backend; StrictMode double mounting neither duplicates nor rebuilds a stream.
import type { Transport } from "@connectrpc/connect";
import { cleanup, render, screen } from "@testing-library/react";
import { StrictMode } from "react";
import {
  MaterializerProvider,
  type MaterializerRegistry,
  type RetryWaiterOptions,
  serviceHealthRequest,
  useMaterializedView,
  useMaterializerRegistry,
} from "react-submatview";
import { afterEach, describe, expect, test } from "vitest";
import { countSubscriptions, startTestServer, type TestServer } from "../support/server.js";

const servers: TestServer[] = [];
afterEach(async () => {
  cleanup();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(id: string): Promise<TestServer> {
  const s = await startTestServer();
  s.catalog.register({ node: "n1", service: "web", id });
  servers.push(s);
  return s;
}

const registries: MaterializerRegistry[] = [];

function List() {
  const { data, isLoading, error } = useMaterializedView(serviceHealthRequest({ service: "web" }));
  const registry = useMaterializerRegistry();
  if (!registries.includes(registry)) registries.push(registry);
  if (error) return <p>error:{error.message}</p>;
  return <p>{isLoading ? "loading" : data?.nodes.map((n) => n.Service?.ID).join(",")}</p>;
}

function app(transport: Transport, props: { retry?: RetryWaiterOptions; idleTtlMs?: number } = {}) {
  return (
    <StrictMode>
      <MaterializerProvider transport={transport} {...props}>
        <List />
      </MaterializerProvider>
    </StrictMode>
  );
}

describe("SPEC H1: MaterializerProvider follows its transport", () => {
  test("a new transport replaces the registry: data comes from the new backend, the old stream closes", {
    timeout: 10_000,
  }, async () => {
    const [oldServer, newServer] = [await server("old-1"), await server("new-1")];
    registries.length = 0;
    const view = render(app(oldServer.transport()));
    await screen.findByText("old-1");
    expect(oldServer.publisher.stats().subscribers).toBe(1);

    view.rerender(app(newServer.transport()));
    await screen.findByText("new-1", {}, { timeout: 3_000 });
    expect(newServer.publisher.stats().subscribers).toBe(1);
    // The old registry is disposed: its stream ends server-side (bounded by the test timeout).
    await oldServer.publisher.idle();
    expect(oldServer.publisher.stats()).toEqual({ subscribers: 0, buffers: 0, cachedSnapshots: 0 });
    expect(registries).toHaveLength(2);
    expect(registries[0]?.stats().entries).toBe(0);
    // And the subtree stays on the new backend.
    newServer.catalog.register({ node: "n2", service: "web", id: "new-2" });
    await screen.findByText("new-1,new-2");
  });

  test("a changed registry option (idleTtlMs) replaces the registry too", async () => {
    const s = await server("web-1");
    const transport = s.transport();
    registries.length = 0;
    const view = render(app(transport, { idleTtlMs: 1_000 }));
    await screen.findByText("web-1");
    view.rerender(app(transport, { idleTtlMs: 2_000 }));
    await screen.findByText("web-1");
    expect(registries).toHaveLength(2);
    expect(registries[1]?.idleTtlMs).toBe(2_000);
  });

  test("StrictMode with an unchanged transport: exactly one stream opened in total, across re-renders with equal inline options", async () => {
    const s = await server("web-1");
    const opened = countSubscriptions(s.publisher);
    let total = 0;
    const subscribe = s.publisher.subscribe.bind(s.publisher);
    s.publisher.subscribe = (request) => {
      total++;
      return subscribe(request);
    };
    const transport = s.transport();
    registries.length = 0;
    const view = render(app(transport, { retry: { factorMs: 1 } }));
    await screen.findByText("web-1");
    await opened(1);
    // A parent re-render passes an equal (but new) options object: nothing is replaced.
    view.rerender(app(transport, { retry: { factorMs: 1 } }));
    s.catalog.register({ node: "n2", service: "web", id: "web-2" });
    await screen.findByText("web-1,web-2");
    expect(total).toBe(1);
    expect(s.publisher.stats().subscribers).toBe(1);
    expect(registries).toHaveLength(1);
    view.unmount();
    await s.publisher.idle();
    expect(total).toBe(1);
  });
});
