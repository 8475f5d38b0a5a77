/**
 * SPEC Q1/R5: after a terminal error (PermissionDenied) a `refetch` or invalidation of the
 * cached query is the next request: it subscribes afresh, exactly once, with no retry storm.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import { MaterializerProvider, MaterializerRegistry } from "react-submatview";
import { materializedViewQueryOptions, useMaterializedQuery } from "react-submatview/tanstack";
import { describe, expect, test } from "vitest";
import { ev, PushableClient } from "../support/pushable-client.js";
import { serverRegistry } from "../support/render.js";
import { startTestServer } from "../support/server.js";
import { denied, names, runDueRetries, tanstackBed, web, within } from "./tanstack-support.js";

const TTL = 60_000;
const bed = tanstackBed();

function QueryList() {
  const { data, error } = useMaterializedQuery(web());
  return (
    <div data-testid="q" data-error={error?.message ?? ""}>
      {data ? names(data) || "empty" : "pending"}
    </div>
  );
}

function renderList(r: MaterializerRegistry) {
  return render(
    <QueryClientProvider client={bed.queryClient}>
      <MaterializerProvider registry={r}>
        <QueryList />
      </MaterializerProvider>
    </QueryClientProvider>,
  );
}

const errorText = () => screen.getByTestId("q").dataset.error;

describe("SPEC Q1/R5: refetch after a terminal error subscribes afresh", () => {
  test("a terminal error before any data: no retry storm; one refetch, one new stream, then data and no error", async () => {
    const client = new PushableClient();
    const registry = bed.own(new MaterializerRegistry({ client, idleTtlMs: TTL }));
    renderList(registry);
    const first = await client.next();
    first.fail(denied());
    await waitFor(() => expect(errorText()).toMatch(/token revoked/));
    await runDueRetries(bed.gcTimers);
    expect(client.streams).toHaveLength(1);

    const refetched = bed.queryClient.refetchQueries();
    const second = await within(client.next(), "a new stream for the refetch");
    expect(second.request.Index).toBe(0n);
    second.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await within(refetched, "the refetch");
    await screen.findByText("web-1");
    expect(errorText()).toBe("");
    second.push(ev.register(3n, "n2", "web-2"));
    await screen.findByText("web-1,web-2");
    await runDueRetries(bed.gcTimers);
    expect(client.streams).toHaveLength(2);
    expect(registry.stats().entries).toBe(1);
  });

  test("a terminal error after data: the data stays with the error; a refetch resubscribes from a fresh snapshot", async () => {
    const client = new PushableClient();
    const registry = bed.own(new MaterializerRegistry({ client, idleTtlMs: TTL }));
    renderList(registry);
    const first = await client.next();
    first.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await screen.findByText("web-1");
    first.fail(denied());
    await waitFor(() => expect(errorText()).toMatch(/token revoked/));
    expect(screen.getByTestId("q").textContent).toBe("web-1");
    await runDueRetries(bed.gcTimers);
    expect(client.streams).toHaveLength(1);

    const refetched = bed.queryClient.refetchQueries();
    const second = await within(client.next(), "a new stream for the refetch");
    expect(second.request.Index).toBe(0n);
    second.push(ev.register(4n, "n1", "web-1"), ev.register(4n, "n2", "web-2"), ev.end(4n));
    await within(refetched, "the refetch");
    await screen.findByText("web-1,web-2");
    expect(errorText()).toBe("");
    expect(client.streams).toHaveLength(2);
  });

  test("a refetch that is denied again opens exactly one stream and shows the error again", async () => {
    const client = new PushableClient();
    const registry = bed.own(new MaterializerRegistry({ client, idleTtlMs: TTL }));
    const options = materializedViewQueryOptions(web(), { registry });
    const fetched = bed.queryClient
      .fetchQuery({ ...options, retry: false })
      .catch((e: unknown) => e);
    (await client.next()).fail(denied());
    expect(await within(fetched, "the first fetch")).toBeInstanceOf(ConnectError);

    const again = bed.queryClient.fetchQuery(options).catch((e: unknown) => e);
    (await within(client.next(), "a new stream for the second fetch")).fail(denied());
    expect(await within(again, "the second fetch")).toBeInstanceOf(ConnectError);
    await runDueRetries(bed.gcTimers);
    expect(client.streams).toHaveLength(2);
  });

  test("over HTTP: the server's authorizer denies the token; after it is granted, invalidateQueries subscribes again and live updates arrive", async () => {
    let granted = false;
    let streams = 0;
    const s = bed.ownServer(
      await startTestServer({
        authorizer: () => {
          streams++;
          if (!granted) throw new ConnectError("permission denied", Code.PermissionDenied);
          return () => true;
        },
      }),
    );
    s.catalog.register({ node: "n1", service: "web", id: "web-1" });
    const registry = bed.own(serverRegistry(s, { idleTtlMs: TTL }));
    renderList(registry);
    await waitFor(() => expect(errorText()).toMatch(/permission denied/));
    await runDueRetries(bed.gcTimers);
    expect(streams).toBe(1);

    granted = true;
    await within(bed.queryClient.invalidateQueries(), "the invalidation's refetch");
    await screen.findByText("web-1");
    expect(errorText()).toBe("");
    s.catalog.register({ node: "n2", service: "web", id: "web-2" });
    await screen.findByText("web-1,web-2");
    expect(streams).toBe(2);
    expect(s.publisher.stats().subscribers).toBe(1);
  });
});
