/**
 * SPEC Q1, the TanStack adapter's bookkeeping per query client AND registry: a provider that
 * remounts with a new registry on the same QueryClient opens its own stream; refetches of a
 * live query open nothing; removal closes the stream at once.
 */
import { QueryClientProvider, useQuery } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import type { ReactNode } from "react";
import {
  MaterializerProvider,
  MaterializerRegistry,
  useMaterializedView,
  useMaterializerRegistry,
} from "react-submatview";
import { materializedViewQueryOptions, useMaterializedQuery } from "react-submatview/tanstack";
import { describe, expect, test } from "vitest";
import { ev, PushableClient } from "../support/pushable-client.js";
import { startTestServer } from "../support/server.js";
import { names, tanstackBed, trackStreams, web, within } from "./tanstack-support.js";

const TTL = 60_000;
const bed = tanstackBed();

function QueryList() {
  const { data } = useMaterializedQuery(web());
  return <div data-testid="q">{data ? names(data) || "empty" : "pending"}</div>;
}

describe("SPEC Q1: bookkeeping per query client and registry", () => {
  test("a provider remounted with a new registry on the same QueryClient opens its own stream (old one closed) and gets live updates", async () => {
    const s = bed.ownServer(await startTestServer());
    s.catalog.register({ node: "n1", service: "web", id: "web-1" });
    const tracked = trackStreams(s.publisher);
    const transport = s.transport();
    const registries: MaterializerRegistry[] = [];
    // A hook user and a query user of one request: one stream per registry, not two.
    function Both() {
      const current = useMaterializerRegistry();
      if (!registries.includes(current)) registries.push(current);
      const view = useMaterializedView(web());
      const query = useMaterializedQuery(web());
      return <span>{`${names(view.data)}|${names(query.data)}`}</span>;
    }
    const app = (generation: number): ReactNode => (
      <QueryClientProvider client={bed.queryClient}>
        <MaterializerProvider
          key={generation}
          transport={transport}
          idleTtlMs={TTL}
          retry={{ random: () => 0, factorMs: 1 }}
        >
          <Both />
        </MaterializerProvider>
      </QueryClientProvider>
    );
    const view = render(app(1));
    await screen.findByText("web-1|web-1");
    expect(tracked.streams).toHaveLength(1);

    view.rerender(app(2));
    expect(registries).toHaveLength(2);
    await within(tracked.opened(2), "the new registry's stream");
    await within(tracked.streams[0]!.closed, "the disposed registry's stream to close");
    s.catalog.register({ node: "n2", service: "web", id: "web-2" });
    await screen.findByText("web-1,web-2|web-1,web-2");
    expect(tracked.streams).toHaveLength(2);
    expect(s.publisher.stats().subscribers).toBe(1);
    expect(registries[1]!.stats().entries).toBe(1);

    // gc of the query releases the new registry's entry at once (no second TTL).
    view.unmount();
    bed.gcTimers.advance(TTL);
    await within(tracked.streams[1]!.closed, "the query's stream to close on gc");
  }, 10_000);

  test("an app-created registry swapped for another under a mounted component: the query follows the new one; the old query's stream closes when it is garbage-collected", async () => {
    const oldClient = new PushableClient();
    const newClient = new PushableClient();
    const oldRegistry = new MaterializerRegistry({ client: oldClient, idleTtlMs: TTL });
    const registry = bed.own(new MaterializerRegistry({ client: newClient, idleTtlMs: TTL }));
    const app = (r: MaterializerRegistry) => (
      <QueryClientProvider client={bed.queryClient}>
        <MaterializerProvider registry={r}>
          <QueryList />
        </MaterializerProvider>
      </QueryClientProvider>
    );
    const view = render(app(oldRegistry));
    const first = await oldClient.next();
    first.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await screen.findByText("web-1");

    view.rerender(app(registry));
    const second = await within(newClient.next(), "a stream from the new registry");
    // Nothing of the old backend is shown as the new one's data.
    expect(screen.getByTestId("q").textContent).toBe("pending");
    second.push(ev.register(5n, "n1", "web-1"), ev.register(5n, "n2", "web-2"), ev.end(5n));
    await screen.findByText("web-1,web-2");
    second.push(ev.register(6n, "n3", "web-3"));
    await screen.findByText("web-1,web-2,web-3");
    expect(newClient.streams).toHaveLength(1);
    // The old registry's query is inactive now: its stream lives exactly until gc (Q1).
    expect(first.aborted).toBe(false);
    bed.gcTimers.advance(TTL);
    expect(first.aborted).toBe(true);
    expect(oldRegistry.stats().entries).toBe(0);
    expect(second.aborted).toBe(false);
    oldRegistry.dispose();
  });
});

describe("SPEC Q1: hostile cases", () => {
  test("refetch and invalidation of a live query open no second stream", async () => {
    const client = new PushableClient();
    const registry = bed.own(new MaterializerRegistry({ client, idleTtlMs: TTL }));
    render(
      <QueryClientProvider client={bed.queryClient}>
        <MaterializerProvider registry={registry}>
          <QueryList />
        </MaterializerProvider>
      </QueryClientProvider>,
    );
    const stream = await client.next();
    stream.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await screen.findByText("web-1");
    await within(bed.queryClient.refetchQueries(), "refetch");
    await within(bed.queryClient.invalidateQueries(), "invalidation");
    const options = materializedViewQueryOptions(web(), { registry });
    expect(names(await within(bed.queryClient.fetchQuery(options), "fetchQuery"))).toBe("web-1");
    stream.push(ev.register(3n, "n2", "web-2"));
    await screen.findByText("web-1,web-2");
    expect(client.streams).toHaveLength(1);
    expect(stream.aborted).toBe(false);
    expect(registry.stats().entries).toBe(1);
  });

  test("removing the query (removeQueries, or gc) closes the stream at once", async () => {
    const client = new PushableClient();
    const registry = bed.own(new MaterializerRegistry({ client, idleTtlMs: TTL }));
    const options = materializedViewQueryOptions(web(), { registry });
    function Plain() {
      const { data } = useQuery(options);
      return <span>{names(data) || "pending"}</span>;
    }
    const view = render(
      <QueryClientProvider client={bed.queryClient}>
        <Plain />
      </QueryClientProvider>,
    );
    const stream = await client.next();
    stream.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await screen.findByText("web-1");
    view.unmount();
    bed.queryClient.removeQueries({ queryKey: options.queryKey });
    expect(stream.aborted).toBe(true);
    expect(registry.stats().entries).toBe(0);

    // A later query for the same request starts afresh; gc closes that stream too, at once.
    const fetched = bed.queryClient.fetchQuery(options);
    const again = await client.next();
    again.push(ev.register(4n, "n1", "web-1"), ev.end(4n));
    expect(names(await within(fetched, "fetchQuery"))).toBe("web-1");
    bed.gcTimers.advance(TTL - 1);
    expect(again.aborted).toBe(false);
    bed.gcTimers.advance(1);
    expect(again.aborted).toBe(true);
    expect(registry.stats().entries).toBe(0);
  });
});
