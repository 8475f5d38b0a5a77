/**
 * Review (SPEC Q1, R5): a refetch after a terminal error is the next request and subscribes
 * afresh, also while a `useMaterializedView` component of the same request still holds the
 * failed entry (the entry keeps its error for that holder, but a new request never gets it).
 */
import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { MaterializerProvider, MaterializerRegistry, useMaterializedView } from "react-submatview";
import { useMaterializedQuery } from "react-submatview/tanstack";
import { describe, expect, test } from "vitest";
import {
  denied,
  names,
  runDueRetries,
  tanstackBed,
  web,
  within,
} from "../react/tanstack-support.js";
import { ev, PushableClient } from "../support/pushable-client.js";

const bed = tanstackBed();

function QueryList() {
  const { data, error } = useMaterializedQuery(web());
  return <p data-testid="q">{`query:${data ? names(data) : "none"}:${error?.message ?? ""}`}</p>;
}

function HookList() {
  const { data, status } = useMaterializedView(web());
  return <p data-testid="h">{`hook:${status}:${names(data)}`}</p>;
}

/** A query user and a hook user of the same request under one registry. */
function renderBoth(registry: MaterializerRegistry) {
  return render(
    <QueryClientProvider client={bed.queryClient}>
      <MaterializerProvider registry={registry}>
        <QueryList />
        <HookList />
      </MaterializerProvider>
    </QueryClientProvider>,
  );
}

describe("SPEC Q1/R5: refetch after a terminal error while a hook holds the failed entry", () => {
  test("the refetch opens one new stream and the query shows its data", {
    timeout: 10_000,
  }, async () => {
    const client = new PushableClient();
    const registry = bed.own(new MaterializerRegistry({ client, idleTtlMs: 60_000 }));
    renderBoth(registry);
    const first = await client.next();
    first.fail(denied());
    await waitFor(() => expect(screen.getByTestId("q").textContent).toMatch(/token revoked/));
    await waitFor(() => expect(screen.getByTestId("h").textContent).toBe("hook:failed:"));
    await runDueRetries(bed.gcTimers);
    expect(client.streams).toHaveLength(1);

    const refetched = bed.queryClient.refetchQueries();
    const second = await within(client.next(), "a new stream for the refetch");
    expect(second.request.Index).toBe(0n);
    second.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await within(refetched, "the refetch");
    await screen.findByText("query:web-1:");
    second.push(ev.register(3n, "n2", "web-2"));
    await screen.findByText("query:web-1,web-2:");
    expect(client.streams).toHaveLength(2);
    // The mounted hook follows the fresh entry too (no remount needed): the same stream.
    await screen.findByText("hook:live:web-1,web-2", {}, { timeout: 2_000 });
    expect(client.streams).toHaveLength(2);
    cleanup();
    expect(registry.stats()).toMatchObject({ entries: 1, refs: 1, listeners: 1 });
  });

  test("a hook never follows a replacement that failed too: no stream of its own, no ping-pong", {
    timeout: 10_000,
  }, async () => {
    const client = new PushableClient();
    const registry = bed.own(new MaterializerRegistry({ client, idleTtlMs: 60_000 }));
    renderBoth(registry);
    (await client.next()).fail(denied());
    await waitFor(() => expect(screen.getByTestId("h").textContent).toBe("hook:failed:"));
    const refetched = bed.queryClient.refetchQueries();
    (await within(client.next(), "a new stream for the refetch")).fail(denied());
    await within(refetched, "the refetch");
    // Every task the hook may have scheduled has run: it opened nothing.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    await runDueRetries(bed.gcTimers);
    expect(client.streams).toHaveLength(2);
    expect(screen.getByTestId("h").textContent).toBe("hook:failed:");
  });
});
