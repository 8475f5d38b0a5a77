import { Code, ConnectError } from "@connectrpc/connect";
import { QueryClientProvider, useQuery, useSuspenseQuery } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import { type ReactNode, Suspense } from "react";
import {
  MaterializerProvider,
  MaterializerRegistry,
  type ServiceHealthResult,
  serviceHealthRequest,
  useMaterializedView,
} from "react-submatview";
import { materializedViewQueryOptions, useMaterializedQuery } from "react-submatview/tanstack";
import { describe, expect, expectTypeOf, test } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { ev, PushableClient } from "../support/pushable-client.js";
import { serverRegistry } from "../support/render.js";
import { startTestServer } from "../support/server.js";
import { names, tanstackBed, web } from "./tanstack-support.js";

const TTL = 60_000;
const bed = tanstackBed();

function wrap(children: ReactNode) {
  return (
    <QueryClientProvider client={bed.queryClient}>
      <MaterializerProvider registry={bed.registry}>{children}</MaterializerProvider>
    </QueryClientProvider>
  );
}

function QueryList() {
  const { data, error } = useMaterializedQuery(web());
  return (
    <div data-testid="q" data-error={error?.message ?? ""}>
      {data ? names(data) || "empty" : "pending"}
    </div>
  );
}

async function withServer() {
  const server = bed.ownServer(await startTestServer());
  server.catalog.register({ node: "n1", service: "web", id: "web-1" });
  bed.own(serverRegistry(server, { idleTtlMs: TTL }));
  return server;
}

describe("SPEC Q1: materializedViewQueryOptions", () => {
  test("options: a JSON-safe key without the token, staleTime Infinity, gcTime = the idle TTL", async () => {
    const registry = bed.own(
      new MaterializerRegistry({ client: new PushableClient(), idleTtlMs: 1234 }),
    );
    const options = materializedViewQueryOptions(web(), { registry });
    expect(JSON.stringify(options.queryKey)).not.toContain("secret-token-value");
    expect(JSON.parse(JSON.stringify(options.queryKey))).toEqual(options.queryKey);
    expect(options.staleTime).toBe(Number.POSITIVE_INFINITY);
    expect(options.gcTime).toBe(1234);
    expectTypeOf(useMaterializedQuery<ServiceHealthResult>)
      .returns.toHaveProperty("data")
      .toEqualTypeOf<ServiceHealthResult | undefined>();
  });

  test("SPEC R1: no token in any query key or hash in the cache; two tokens never share a query", async () => {
    const client = new PushableClient();
    const registry = bed.own(new MaterializerRegistry({ client, idleTtlMs: TTL }));
    const other = serviceHealthRequest({ service: "web", token: "another-token-value" });
    const fetched = Promise.all([
      bed.queryClient.fetchQuery(materializedViewQueryOptions(web(), { registry })),
      bed.queryClient.fetchQuery(materializedViewQueryOptions(other, { registry })),
    ]);
    for (const stream of [await client.next(), await client.next()])
      stream.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await fetched;
    const queries = bed.queryClient.getQueryCache().getAll();
    expect(queries).toHaveLength(2);
    for (const query of queries) {
      const seen = `${query.queryHash} ${JSON.stringify(query.queryKey)}`;
      expect(seen).not.toContain("secret-token-value");
      expect(seen).not.toContain("another-token-value");
    }
  });

  test("useQuery gets live updates", async () => {
    const s = await withServer();
    render(wrap(<QueryList />));
    await screen.findByText("web-1");
    s.catalog.register({ node: "n2", service: "web", id: "web-2" });
    await screen.findByText("web-1,web-2");
  });

  test("the stream closes when TanStack garbage-collects the query, and not before; a remount inside gcTime resumes live updates", async () => {
    const s = await withServer();
    const first = render(wrap(<QueryList />));
    await screen.findByText("web-1");
    first.unmount();
    // Inactive but cached: the stream stays open and keeps the cache current.
    s.catalog.register({ node: "n2", service: "web", id: "web-2" });
    await waitFor(() =>
      expect(
        names(
          bed.queryClient.getQueryData(
            materializedViewQueryOptions(web(), { registry: bed.registry! }).queryKey,
          ),
        ),
      ).toBe("web-1,web-2"),
    );
    bed.gcTimers.advance(TTL - 1);
    expect(s.publisher.stats().subscribers).toBe(1);
    const second = render(wrap(<QueryList />));
    expect(screen.getByTestId("q").textContent).toBe("web-1,web-2");
    s.catalog.register({ node: "n3", service: "web", id: "web-3" });
    await screen.findByText("web-1,web-2,web-3");
    second.unmount();
    bed.gcTimers.advance(TTL - 1);
    expect(s.publisher.stats().subscribers).toBe(1);
    expect(bed.registry!.stats().entries).toBe(1);
    bed.gcTimers.advance(1);
    // Removed from the cache: the registry reference is released and the stream closed at once.
    expect(bed.registry!.stats().entries).toBe(0);
    await s.publisher.idle();
    expect(s.publisher.stats().subscribers).toBe(0);
  });

  test("useQuery and useMaterializedView on one request share one stream", async () => {
    const s = await withServer();
    function Both() {
      const view = useMaterializedView(web());
      const query = useQuery(materializedViewQueryOptions(web(), { registry: bed.registry! }));
      return <span>{`${names(view.data)}|${names(query.data)}`}</span>;
    }
    render(wrap(<Both />));
    await screen.findByText("web-1|web-1");
    s.catalog.register({ node: "n2", service: "web", id: "web-2" });
    await screen.findByText("web-1,web-2|web-1,web-2");
    expect(s.publisher.stats().subscribers).toBe(1);
    expect(bed.registry!.stats().entries).toBe(1);
  });

  test("fetchQuery and useSuspenseQuery work too", async () => {
    await withServer();
    const options = materializedViewQueryOptions(web(), { registry: bed.registry! });
    expect(names(await bed.queryClient.fetchQuery(options))).toBe("web-1");
    function Suspended() {
      const { data } = useSuspenseQuery(options);
      return <span>{`s:${names(data)}`}</span>;
    }
    render(wrap(<Suspense fallback="…">{<Suspended />}</Suspense>));
    await screen.findByText("s:web-1");
  });

  test("errors surface as the query's error, keeping the last data", async () => {
    const client = new PushableClient();
    const _registry = bed.own(
      new MaterializerRegistry({ client, idleTtlMs: TTL, timers: new ManualTimers() }),
    );
    render(wrap(<QueryList />));
    const stream = await client.next();
    stream.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await screen.findByText("web-1");
    stream.fail(new ConnectError("connection dropped", Code.Unavailable));
    await waitFor(() =>
      expect(screen.getByTestId("q").dataset.error).toMatch(/connection dropped/),
    );
    expect(screen.getByTestId("q").textContent).toBe("web-1");
    const resumed = await client.next();
    resumed.push(ev.register(3n, "n2", "web-2"));
    await screen.findByText("web-1,web-2");
    expect(screen.getByTestId("q").dataset.error).toBe("");
  });
});
