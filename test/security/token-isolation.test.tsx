/**
 * Issue 7 item 4, SPEC R1 (and H2, Q1): entries are keyed by token. Over real HTTP, with an
 * authorizer that shows each token its own instances, a component whose token prop switches
 * A → B → A → B never renders anything of A while it holds B (nor the reverse) — not for one
 * commit — including while A's entry sits in its idle-TTL grace and keeps receiving A's live
 * events, and through every reading path: plain, `select`, `suspense`, blocking mode,
 * `useBlockingQuery` and TanStack's `useMaterializedQuery`. Every render's output is recorded.
 */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen } from "@testing-library/react";
import { type ReactNode, Suspense } from "react";
import {
  MaterializerProvider,
  MaterializerRegistry,
  type ServiceHealthResult,
  serviceHealthRequest,
  useBlockingQuery,
  useMaterializedView,
} from "react-submatview";
import { useMaterializedQuery } from "react-submatview/tanstack";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { manualTanStackTimers } from "../react/tanstack-support.js";
import { type AclServer, startAclServer } from "../support/acl-server.js";
import { ManualTimers } from "../support/manual-timers.js";

const A = "token-A-5b1e0c";
const B = "token-B-93d2aa";
/** What each token may read: its own instances and a shared one. */
const prefixes: Record<string, readonly string[]> = {
  [A]: ["web-a", "web-s"],
  [B]: ["web-b", "web-s"],
};
const visibleTo = (token: string, id: string) => prefixes[token]?.some((p) => id.startsWith(p));
const label = (token: string) => (token === A ? "A" : "B");

let server: AclServer | undefined;
let registry: MaterializerRegistry | undefined;
let queryClient: QueryClient | undefined;

beforeAll(() => {
  // TanStack's gcTime (the idle TTL) on a manual clock: nothing is collected mid-test.
  manualTanStackTimers();
});

afterEach(async () => {
  cleanup();
  queryClient?.clear();
  registry?.dispose();
  await server?.close();
  server = undefined;
  registry = undefined;
  queryClient = undefined;
});

const web = (token: string) => serviceHealthRequest({ service: "web", token });
const ids = (r: ServiceHealthResult | undefined) => r?.nodes.map((n) => n.Service?.ID ?? "");
const sameIds = (a: string[], b: string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** One way of reading the view: the hook under test, returning the ids it would render. */
type Reader = (token: string) => string[] | undefined;

const readers: Record<string, Reader> = {
  plain: (token) => ids(useMaterializedView(web(token)).data),
  select: (token) =>
    useMaterializedView(web(token), { select: (r) => ids(r) ?? [], isEqual: sameIds }).data,
  suspense: (token) => ids(useMaterializedView(web(token), { suspense: true }).data),
  "blocking mode": (token) => ids(useMaterializedView(web(token), { minIndex: 0n }).data),
  useBlockingQuery: (token) => ids(useBlockingQuery(web(token), { timeoutMs: 60_000 }).data),
  "TanStack useMaterializedQuery": (token) => ids(useMaterializedQuery(web(token)).data),
};

interface Rendered {
  readonly token: string;
  readonly ids: readonly string[] | undefined;
}

describe.each(Object.entries(readers))("SPEC R1: token switch A→B→A→B, %s", (name, read) => {
  test("nothing of one token is ever rendered for the other, through the TTL grace and live events", {
    timeout: 20_000,
  }, async () => {
    server = await startAclServer((token) => {
      const allowed = prefixes[token];
      return allowed ? (id) => allowed.some((p) => id.startsWith(p)) : undefined;
    });
    const s = server;
    for (const id of ["web-a1", "web-a2", "web-b1", "web-s"]) {
      s.catalog.register({ node: `node-${id}`, service: "web", id });
    }
    const timers = new ManualTimers(); // the idle TTL never runs out during the test
    registry = new MaterializerRegistry({
      transport: s.transport("connect"),
      timers,
      idleTtlMs: 60_000,
      retry: { timers },
    });
    queryClient = new QueryClient();
    const renders: Rendered[] = [];
    function Instances({ token }: { token: string }) {
      const shown = read(token);
      renders.push({ token, ids: shown });
      return <p data-testid="ids">{`${label(token)}:${shown?.join(",") ?? "none"}`}</p>;
    }
    const ui = (token: string): ReactNode => (
      <QueryClientProvider client={queryClient!}>
        <MaterializerProvider registry={registry}>
          <Suspense fallback={<p>fallback</p>}>
            <Instances token={token} />
          </Suspense>
        </MaterializerProvider>
      </QueryClientProvider>
    );

    // A failed step is rethrown after the leak check: a leak is the failure to report then.
    let failure: unknown;
    try {
      const view = render(ui(A));
      await screen.findByText("A:web-a1,web-a2,web-s");
      view.rerender(ui(B));
      await screen.findByText("B:web-b1,web-s");
      // A's entry is unreferenced now, in its idle-TTL grace, still streaming A's events.
      expect(registry.stats().entries).toBe(2);
      s.catalog.register({ node: "node-web-a3", service: "web", id: "web-a3" });
      s.catalog.register({ node: "node-web-b2", service: "web", id: "web-b2" });
      await screen.findByText("B:web-b1,web-b2,web-s");
      view.rerender(ui(A));
      await screen.findByText("A:web-a1,web-a2,web-a3,web-s");
      view.rerender(ui(B));
      await screen.findByText("B:web-b1,web-b2,web-s");
      s.catalog.deregister("node-web-s", "web-s");
      await screen.findByText("B:web-b1,web-b2");
    } catch (error) {
      failure = error;
    }
    // Every render, every commit included: each token saw only what it may read.
    const leaks = renders.flatMap((r) =>
      (r.ids ?? [])
        .filter((id) => !visibleTo(r.token, id))
        .map((id) => `${label(r.token)} saw ${id}`),
    );
    expect(leaks, "token data leaked").toEqual([]);
    if (failure) throw failure;
    process.stdout.write(`token-isolation ${name}: ${renders.length} renders checked\n`);
    // Not vacuous: both tokens rendered their own data.
    expect(renders.some((r) => r.token === B && r.ids?.includes("web-b1"))).toBe(true);
    expect(renders.some((r) => r.token === A && r.ids?.includes("web-a3"))).toBe(true);
    // One stream per token, never shared (R1): two entries, both still live.
    expect(s.publisher.stats().subscribers).toBe(2);
    expect(s.attempts(A)).toBe(1);
    expect(s.attempts(B)).toBe(1);
  });
});

describe("SPEC R1/H4: a dehydrated snapshot seeds only its own token's entry", () => {
  test("a client seeded with token A's server render never shows A's snapshot to a token-B component", {
    timeout: 20_000,
  }, async () => {
    server = await startAclServer((token) => {
      const allowed = prefixes[token];
      return allowed ? (id) => allowed.some((p) => id.startsWith(p)) : undefined;
    });
    const s = server;
    for (const id of ["web-a1", "web-b1", "web-s"]) {
      s.catalog.register({ node: `node-${id}`, service: "web", id });
    }
    // The server render, for token A.
    const rendering = new MaterializerRegistry({ transport: s.transport("connect") });
    await rendering.get(web(A));
    const state = JSON.parse(JSON.stringify(rendering.dehydrate()));
    rendering.dispose();
    expect(state.entries).toHaveLength(1);

    const timers = new ManualTimers();
    registry = new MaterializerRegistry({
      transport: s.transport("connect"),
      timers,
      retry: { timers },
      dehydratedState: state,
    });
    const renders: Rendered[] = [];
    function Instances({ token }: { token: string }) {
      const shown = ids(useMaterializedView(web(token)).data);
      renders.push({ token, ids: shown });
      return <p data-testid={label(token)}>{`${label(token)}:${shown?.join(",") ?? "none"}`}</p>;
    }
    render(
      <MaterializerProvider registry={registry}>
        <Instances token={B} />
        <Instances token={A} />
      </MaterializerProvider>,
    );
    // A's first render already shows its seed (not vacuous); B's never shows it.
    expect(renders.find((r) => r.token === A)?.ids).toEqual(["web-a1", "web-s"]);
    expect(renders.find((r) => r.token === B)?.ids).toBeUndefined();
    await screen.findByText("B:web-b1,web-s");
    const leaks = renders.flatMap((r) =>
      (r.ids ?? [])
        .filter((id) => !visibleTo(r.token, id))
        .map((id) => `${label(r.token)} saw ${id}`),
    );
    expect(leaks, "token data leaked").toEqual([]);
  });
});
