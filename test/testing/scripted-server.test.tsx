/** The scriptable subscribe server (SPEC T2, P5): recording, steps, misuse, timers (T3). */

import { inspect } from "node:util";
import { cleanup, render, renderHook, screen, waitFor } from "@testing-library/react";
import { StrictMode } from "react";
import { serviceHealthRequest, serviceListRequest, useMaterializedView } from "react-submatview";
import { CatalogOp, Topic } from "react-submatview/gen";
import {
  batch,
  Code,
  createScriptedServer,
  deregister,
  event,
  register,
  type ScriptedServer,
  setStatus,
} from "react-submatview/testing";
import { afterEach, describe, expect, test, vi } from "vitest";

const web = { node: "n1", service: "web", id: "web-1" };
let server: ScriptedServer;
afterEach(() => {
  cleanup();
  server?.dispose();
  vi.useRealTimers();
});

const useApi = () => useMaterializedView(serviceHealthRequest({ service: "api" }));
const useWeb = (token?: string) =>
  useMaterializedView(serviceHealthRequest({ service: "web", token }));
const ids = (nodes: readonly { Service?: { ID: string } }[] | undefined) =>
  nodes?.map((n) => n.Service?.ID);

describe("scripted server (SPEC T2)", () => {
  test("records each subscription (topic, subject, index, token sent) without the token (SPEC R1, T2)", async () => {
    server = createScriptedServer();
    renderHook(() => useWeb("s3cr3t-token"), { wrapper: server.wrapper });
    const stream = await server.next({ topic: Topic.ServiceHealth, subject: "WEB" });
    expect([stream.subject, stream.index, stream.hasToken, stream.attempt]).toEqual([
      "web",
      0n,
      true,
      1,
    ]);
    const printed = [
      String(stream),
      JSON.stringify(stream),
      inspect(stream),
      JSON.stringify(server.streams),
    ];
    for (const text of printed) expect(text).not.toContain("s3cr3t");
    expect(JSON.stringify(stream)).toContain('"hasToken":true');
  });

  test("snapshot, live event, batch, status change: each awaited step is consumed (SPEC P5, M3)", async () => {
    server = createScriptedServer();
    const { result } = renderHook(() => useWeb(), { wrapper: server.wrapper });
    const stream = await server.next();
    await stream.snapshot(10, [register(web)]);
    await waitFor(() => expect(result.current.index).toBe(10n));
    await stream.push(11, register({ ...web, id: "web-2" }));
    await waitFor(() => expect(ids(result.current.data?.nodes)).toEqual(["web-1", "web-2"]));
    await stream.push(12, setStatus(web, "critical"), deregister({ ...web, id: "web-2" }));
    await waitFor(() => expect(result.current.index).toBe(12n));
    expect(result.current.data?.nodes.map((n) => n.Checks[0]?.Status)).toEqual(["critical"]);
    expect(batch([register(web)], 3).Payload.case).toBe("EventBatch");
  });

  test("drop keeps the data and the client resumes from its index; newSnapshot then snapshot (SPEC P5, S6, M6)", async () => {
    server = createScriptedServer();
    const { result } = renderHook(() => useWeb(), { wrapper: server.wrapper });
    const first = await server.next();
    await first.snapshot(10, [register(web)]);
    await first.drop();
    const second = await server.next();
    second.hang(); // no answer yet: unscripted, the resume would be accepted and turn live
    expect([second.index, second.attempt]).toEqual([10n, 2]);
    await waitFor(() => expect(result.current.status).toBe("reconnecting"));
    expect(ids(result.current.data?.nodes)).toEqual(["web-1"]);
    await second.newSnapshot();
    await second.snapshot(8, []);
    await waitFor(() => expect(result.current.index).toBe(8n));
    expect(result.current.status).toBe("live");
  });

  test("a resume with nothing scripted is accepted and goes live with no event; end() first refuses, hang() withholds (SPEC T2, M4, P5)", async () => {
    server = createScriptedServer();
    const { result } = renderHook(() => useWeb(), { wrapper: server.wrapper });
    const first = await server.next();
    await first.snapshot(10, [register(web)]);
    await first.drop();
    const quiet = await server.next();
    await waitFor(() => expect(result.current.status).toBe("live"));
    expect([quiet.index, quiet.accepted, result.current.index, result.current.error]).toEqual([
      10n,
      true,
      10n,
      undefined,
    ]);
    await quiet.drop();
    const held = await server.next();
    held.hang();
    await waitFor(() => expect(result.current.status).toBe("reconnecting"));
    expect(held.accepted).toBe(false);
    held.accept(); // a server that answers late
    await waitFor(() => expect(result.current.status).toBe("live"));
    await held.drop();
    const refused = await server.next();
    await refused.end(Code.PermissionDenied, "no service:read");
    await waitFor(() => expect(result.current.status).toBe("failed"));
    expect(refused.accepted).toBe(false);
  });

  test("acceptedHeader: false behaves like Consul: a quiet resume stays reconnecting (SPEC M4, T2)", async () => {
    server = createScriptedServer({ acceptedHeader: false });
    const { result } = renderHook(() => useWeb(), { wrapper: server.wrapper });
    const first = await server.next();
    await first.snapshot(10, [register(web)]);
    await first.drop();
    const second = await server.next();
    await waitFor(() => expect(result.current.status).toBe("reconnecting"));
    await second.consumed();
    await new Promise<void>((resolve) => setImmediate(resolve)); // the kit's acceptance task
    await new Promise<void>((resolve) => setImmediate(resolve)); // the hook's render task
    expect(result.current.status).toBe("reconnecting");
    await second.push(11, setStatus(web, "critical"));
    await waitFor(() => expect(result.current.status).toBe("live"));
  });

  test("Aborted resets and resubscribes at 0; PermissionDenied is terminal (SPEC M6)", async () => {
    server = createScriptedServer();
    const { result } = renderHook(() => useWeb(), { wrapper: server.wrapper });
    const first = await server.next();
    await first.snapshot(10, [register(web)]);
    await first.end(Code.Aborted);
    const second = await server.next();
    expect(second.index).toBe(0n);
    await second.end(Code.PermissionDenied, "no service:read");
    await waitFor(() => expect(result.current.status).toBe("failed"));
    expect(result.current.error?.message).toMatch(/no service:read/);
    expect(server.open()).toEqual([]);
  });

  test("next(request) matches the component's request; consumed() waits for unawaited steps", async () => {
    server = createScriptedServer();
    const { result } = renderHook(() => [useWeb(), useApi()], { wrapper: server.wrapper });
    const api = await server.next(serviceHealthRequest({ service: "api" }));
    expect(api.subject).toBe("api");
    const stream = await server.next(serviceHealthRequest({ service: "web" }));
    void stream.snapshot(10, [register(web)]);
    void stream.push(11, register({ ...web, id: "web-2" }));
    await server.consumed();
    expect(stream.open && api.open).toBe(true);
    await waitFor(() => expect(result.current[0]?.index).toBe(11n));
    expect(result.current[1]?.isLoading).toBe(true);
  });

  test("event() scripts any topic with the user's own payload (ServiceList, wildcard; SPEC P3, V3)", async () => {
    server = createScriptedServer();
    const { result } = renderHook(() => useMaterializedView(serviceListRequest()), {
      wrapper: server.wrapper,
    });
    const stream = await server.next({ topic: Topic.ServiceList, subject: "*" });
    const service = (Name: string, Op = CatalogOp.Register) =>
      event({ case: "Service", value: { Op, Name } });
    await stream.snapshot(4, [service("web"), service("api")]);
    await stream.push(5, service("db"), service("web", CatalogOp.Deregister));
    await waitFor(() => expect(result.current.index).toBe(5n));
    expect(result.current.data?.services.map((s) => s.name)).toEqual(["api", "db"]);
  });

  test("steps out of the SPEC P5 order throw, with the fix in the message", async () => {
    server = createScriptedServer();
    renderHook(() => useWeb(), { wrapper: server.wrapper });
    const stream = await server.next();
    expect(() => stream.push(11, register(web))).toThrow(/snapshot first/);
    expect(() => stream.snapshot(0)).toThrow(/never 0/);
    expect(() => stream.newSnapshot()).toThrow(/resumed at N > 0/);
    await stream.snapshot(10);
    expect(() => stream.push(10, register(web))).toThrow(/above the last index 10/);
  });

  test("a scenario scripts every subscription; the client leaving closes the stream (SPEC S8)", async () => {
    server = createScriptedServer({
      scenario: (s) => s.snapshot(5, [register({ ...web, service: s.subject })]),
    });
    const { unmount } = render(<Names service="api" />, { wrapper: server.wrapper });
    expect(await screen.findByText("api")).toBeTruthy();
    const stream = server.streams[0];
    unmount();
    await stream?.closed();
    expect(server.open()).toEqual([]);
  });

  test("StrictMode's double mount opens one stream even with idle TTL 0 (SPEC H1, T3)", async () => {
    server = createScriptedServer({ scenario: (s) => s.snapshot(3) });
    render(
      <StrictMode>
        <Names service="web" />
      </StrictMode>,
      { wrapper: server.wrapper },
    );
    await waitFor(() => expect(server.registry.stats().openStreams).toBe(1));
    await server.consumed();
    expect(server.streams.map((s) => s.open)).toEqual([true]);
  });

  test("works under vi.useFakeTimers(): idle TTL 0 closes the stream on unmount without advancing (SPEC T3)", async () => {
    vi.useFakeTimers();
    server = createScriptedServer();
    const { result, unmount } = renderHook(() => useWeb(), { wrapper: server.wrapper });
    const stream = await server.next();
    await stream.snapshot(10, [register(web)]);
    await vi.advanceTimersByTimeAsync(0); // the hook coalesces updates per task (SPEC H5)
    expect(result.current.index).toBe(10n);
    await stream.drop();
    const again = await server.next();
    expect(again.index).toBe(10n);
    unmount();
    await again.closed();
    expect(server.registry.stats().entries).toBe(0);
    await vi.runOnlyPendingTimersAsync(); // the hook's last coalesced notification, if any
    expect(vi.getTimerCount()).toBe(0); // nothing left running after unmount (SPEC T3)
  });
});

function Names({ service }: { service: string }) {
  const { data } = useMaterializedView(serviceHealthRequest({ service }));
  return <p>{data?.nodes.map((n) => n.Service?.Service).join(",")}</p>;
}
