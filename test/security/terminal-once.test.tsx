/**
 * Issue 7 item 4, SPEC M6/R5/Q1: a terminal ACL error (PermissionDenied, Unauthenticated,
 * Unknown "ACL not found") makes exactly one subscribe request per materializer lifetime — no
 * retry storm (Consul #22515) — however long the clock runs; a remount or refetch is the next
 * request and makes exactly one more. Counted on the server (real HTTP on 127.0.0.1).
 */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import { Component, type ReactNode, Suspense } from "react";
import {
  MaterializerProvider,
  MaterializerRegistry,
  type MaterializerState,
  type ServiceHealthResult,
  serviceHealthRequest,
  useBlockingQuery,
  useMaterializedView,
} from "react-submatview";
import { useMaterializedQuery } from "react-submatview/tanstack";
import { afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { manualTanStackTimers, runDueRetries, within } from "../react/tanstack-support.js";
import { type AclServer, startAclServer, terminalVerdicts } from "../support/acl-server.js";
import { deferred } from "../support/deferred.js";
import { ManualTimers } from "../support/manual-timers.js";

const TOKEN = "terminal-token-7f3c";
const TEN_MINUTES = 10 * 60_000;
let server: AclServer | undefined;
let registry: MaterializerRegistry | undefined;
let queryClient: QueryClient | undefined;
let tanstackTimers: ManualTimers;

beforeAll(() => {
  tanstackTimers = manualTanStackTimers();
});

afterEach(async () => {
  cleanup();
  vi.restoreAllMocks();
  queryClient?.clear();
  registry?.dispose();
  await server?.close();
  server = undefined;
  registry = undefined;
  queryClient = undefined;
});

const web = () => serviceHealthRequest({ service: "web", token: TOKEN });
const messageOf: Record<(typeof terminalVerdicts)[number], RegExp> = {
  "permission-denied": /permission denied/,
  unauthenticated: /unauthenticated/,
  "acl-not-found": /ACL not found/,
};

/** A server that answers TOKEN with `verdict`, and a registry over it on a manual clock. */
async function setup(verdict: (typeof terminalVerdicts)[number]) {
  server = await startAclServer(() => () => true);
  server.catalog.register({ node: "n1", service: "web", id: "web-1" });
  server.setVerdict(TOKEN, verdict);
  const timers = new ManualTimers();
  registry = new MaterializerRegistry({
    transport: server.transport("connect"),
    timers,
    idleTtlMs: 60_000,
    retry: { timers },
  });
  return { server, registry, timers };
}

/**
 * Runs the manual clock through ten minutes, one second at a time, letting queued work run in
 * between: any retry timer (or idle expiry) falls due. With a terminal error none is pending.
 */
async function runClock(timers: ManualTimers): Promise<void> {
  for (let t = 0; t < TEN_MINUTES; t += 1_000) {
    timers.advance(1_000);
    if (t % 60_000 === 0) await act(async () => {});
  }
  await act(async () => {});
}

class Boundary extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    return this.state.error ? <p>caught:{this.state.error.message}</p> : this.props.children;
  }
}

function Live() {
  const { status, error } = useMaterializedView(web());
  return <p>{`live:${status}:${error?.message ?? ""}`}</p>;
}

/** Renders until it guards against a re-suspend loop (each round would be a new request). */
let suspenseRenders = 0;
function Suspended() {
  if (++suspenseRenders > 50) throw new Error("render loop");
  const { data } = useMaterializedView(web(), { suspense: true });
  return <p>{`ready:${data?.nodes.length}`}</p>;
}

function Blocking() {
  const { status, error } = useBlockingQuery(web(), { timeoutMs: 30_000 });
  return <p>{`blocking:${status}:${error?.message ?? ""}`}</p>;
}

function Query() {
  const { status, error } = useMaterializedQuery(web());
  return <p>{`query:${status}:${error?.message ?? ""}`}</p>;
}

describe.each(terminalVerdicts)("SPEC M6/R5: %s makes exactly one request", (verdict) => {
  test("core notify(): one attempt in ten minutes; no stream or timer left; the next request makes one more", {
    timeout: 15_000,
  }, async () => {
    const { server, registry, timers } = await setup(verdict);
    const failed = deferred<MaterializerState<ServiceHealthResult>>();
    const stop = registry.notify(web(), (state) => {
      if (state.status === "failed") failed.resolve(state);
    });
    const state = await within(failed.promise, "the terminal error");
    expect(state.error?.message).toMatch(messageOf[verdict]);
    await runClock(timers);
    expect(server.attempts(TOKEN)).toBe(1);
    // Nothing can retry: no stream is open and no timer is pending.
    expect(registry.stats()).toMatchObject({ entries: 1, openStreams: 0 });
    expect(timers.pending).toBe(0);
    stop(); // R5: released, the stopped entry goes at once
    expect(registry.stats().entries).toBe(0);

    const again = deferred();
    const stopAgain = registry.notify(web(), (s) => s.status === "failed" && again.resolve());
    await within(again.promise, "the next request's terminal error");
    await runClock(timers);
    expect(server.attempts(TOKEN)).toBe(2);
    stopAgain();
  });

  test("useMaterializedView: one attempt in ten minutes; a remount makes exactly one more", {
    timeout: 15_000,
  }, async () => {
    const { server, registry, timers } = await setup(verdict);
    const ui = (
      <MaterializerProvider registry={registry}>
        <Live />
      </MaterializerProvider>
    );
    const view = render(ui);
    await screen.findByText(new RegExp(`live:failed:.*${messageOf[verdict].source}`));
    await runClock(timers);
    expect(server.attempts(TOKEN)).toBe(1);
    view.unmount();
    render(ui);
    await waitFor(() => expect(server.attempts(TOKEN)).toBe(2));
    await screen.findByText(/live:failed:/);
    await runClock(timers);
    expect(server.attempts(TOKEN)).toBe(2);
  });

  test("useMaterializedView with suspense alone: the error reaches the boundary after one attempt (no re-suspend storm)", {
    timeout: 15_000,
  }, async () => {
    const { server, registry, timers } = await setup(verdict);
    vi.spyOn(console, "error").mockImplementation(() => {});
    suspenseRenders = 0;
    const ui = (
      <MaterializerProvider registry={registry}>
        <Boundary>
          <Suspense fallback={<p>fallback</p>}>
            <Suspended />
          </Suspense>
        </Boundary>
      </MaterializerProvider>
    );
    const view = render(ui);
    await screen.findByText(/^caught:/);
    // A re-suspend loop opens a new stream per round and ends in the render guard.
    expect({
      caught: screen.getByText(/^caught:/).textContent,
      attempts: server.attempts(TOKEN),
    }).toMatchObject({ caught: expect.stringMatching(messageOf[verdict]), attempts: 1 });
    await runClock(timers);
    expect(server.attempts(TOKEN)).toBe(1);
    // The failed entry was kept only for the retry render's peek: gone after the grace.
    expect(registry.stats()).toMatchObject({ entries: 0, openStreams: 0 });
    // A remount is the next request (R5): exactly one more, its error caught again.
    view.unmount();
    suspenseRenders = 0;
    render(ui);
    await screen.findByText(messageOf[verdict]);
    await runClock(timers);
    expect(server.attempts(TOKEN)).toBe(2);
  });

  test("useBlockingQuery: one attempt in ten minutes", { timeout: 15_000 }, async () => {
    const { server, registry, timers } = await setup(verdict);
    render(
      <MaterializerProvider registry={registry}>
        <Blocking />
      </MaterializerProvider>,
    );
    await screen.findByText(new RegExp(`blocking:failed:.*${messageOf[verdict].source}`));
    await runClock(timers);
    expect(server.attempts(TOKEN)).toBe(1);
    expect(registry.stats()).toMatchObject({ entries: 0, openStreams: 0 });
  });

  test("TanStack useMaterializedQuery: one attempt through every due retry; a refetch makes exactly one more", {
    timeout: 15_000,
  }, async () => {
    const { server, registry, timers } = await setup(verdict);
    queryClient = new QueryClient();
    render(
      <QueryClientProvider client={queryClient}>
        <MaterializerProvider registry={registry}>
          <Query />
        </MaterializerProvider>
      </QueryClientProvider>,
    );
    await screen.findByText(new RegExp(`query:error:.*${messageOf[verdict].source}`));
    await runDueRetries(tanstackTimers);
    await runClock(timers);
    expect(server.attempts(TOKEN)).toBe(1);
    await within(queryClient.refetchQueries(), "the refetch");
    await runDueRetries(tanstackTimers);
    await runClock(timers);
    expect(server.attempts(TOKEN)).toBe(2);
    await screen.findByText(/query:error:/);
  });
});
