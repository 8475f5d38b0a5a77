/**
 * SPEC T2: one scenario run against the kit's scripted server and against the package's real
 * server over HTTP (serve() on 127.0.0.1) yields the same sequence of hook states — snapshot,
 * a check status change, a batch, a force-close reset (Aborted) and a shutdown (Unavailable);
 * and a dropped connection resumed on a quiet subject, back to `live` with no event (M4, P5).
 */
import { create } from "@bufbuild/protobuf";
import { createConnectTransport } from "@connectrpc/connect-web";
import { cleanup, render, waitFor } from "@testing-library/react";
import type { ComponentType, ReactNode } from "react";
import {
  type MaterializerRegistry,
  serviceHealthRequest,
  useMaterializedView,
} from "react-submatview";
import { SubscribeRequestSchema, Topic } from "react-submatview/gen";
import { SHUTTING_DOWN_MESSAGE } from "react-submatview/server";
import {
  Code,
  createScriptedServer,
  createTestRegistry,
  createWrapper,
  deregister,
  type InstanceSpec,
  register,
  setStatus,
} from "react-submatview/testing";
import { afterEach, describe, expect, test } from "vitest";
import { healthRequest, startTestServer } from "../support/server.js";

const web1: InstanceSpec = {
  node: "n1",
  service: "web",
  id: "web-1",
  address: "10.0.0.1",
  port: 80,
};
const web2: InstanceSpec = {
  node: "n2",
  service: "web",
  id: "web-2",
  address: "10.0.0.2",
  port: 80,
};
const web3: InstanceSpec = {
  node: "n3",
  service: "web",
  id: "web-3",
  address: "10.0.0.3",
  port: 80,
};

/**
 * Renders the hook and records each distinct state it renders, as text; `describeError` shows
 * the error (its message by default).
 */
function record(
  wrapper: ComponentType<{ children?: ReactNode }>,
  describeError: (error: Error) => string = (error) => error.message,
): string[] {
  const states: string[] = [];
  function Probe() {
    const { status, index, data, error, resets, isLoading } = useMaterializedView(
      serviceHealthRequest({ service: "web" }),
    );
    const nodes = data?.nodes.map(
      (n) =>
        `${n.Node?.Node}/${n.Service?.ID}@${n.Service?.Address}:${n.Service?.Port}=${n.Checks[0]?.Status}`,
    );
    const text = `${status} ${index} loading=${isLoading} resets=${resets} [${nodes ?? ""}]${error ? ` ${describeError(error)}` : ""}`;
    if (states.at(-1) !== text) states.push(text);
    return null;
  }
  render(<Probe />, { wrapper });
  return states;
}

/** Waits until the last recorded state contains `text`. */
const reached = (states: string[], text: string) =>
  waitFor(() => expect(states.at(-1)).toContain(text), { timeout: 4_000 });

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  cleanup();
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function againstRealServer(): Promise<string[]> {
  const server = await startTestServer();
  cleanups.push(() => server.close());
  server.catalog.register(web1);
  server.catalog.register(web2);
  const registry: MaterializerRegistry = createTestRegistry(
    createConnectTransport({ baseUrl: server.url, useBinaryFormat: true }),
  );
  cleanups.push(() => registry.dispose());
  const states = record(createWrapper(registry));
  await reached(states, "live 2");
  server.catalog.setStatus("n1", "web-1", "critical");
  await reached(states, "live 3");
  server.catalog.transaction((tx) => {
    tx.register(web3);
    tx.deregister("n2", "web-2");
  });
  await reached(states, "live 4");
  server.publisher.refreshTopic(Topic.ServiceHealth);
  await reached(states, "resets=1");
  server.publisher.shutdown();
  await reached(states, "shutting down");
  return states;
}

async function againstKit(): Promise<string[]> {
  const server = createScriptedServer();
  cleanups.push(() => server.dispose());
  const states = record(server.wrapper);
  const first = await server.next({ subject: "web" });
  expect(first.index).toBe(0n);
  await first.snapshot(2, [register(web1, 1), register(web2, 2)]);
  await reached(states, "live 2");
  await first.push(3, setStatus(web1, "critical"));
  await reached(states, "live 3");
  await first.push(4, register(web3), deregister(web2));
  await reached(states, "live 4");
  await first.end(
    Code.Aborted,
    "subscription closed by server, client must reset state and resubscribe",
  );
  const second = await server.next({ subject: "web" });
  expect(second.index).toBe(0n); // an Aborted stream is resubscribed from scratch (P5)
  await second.snapshot(
    4,
    [register(web1), register(web3)].map((e) => setStatusIf(e)),
  );
  await reached(states, "resets=1");
  // A server shutting down refuses every later subscription before accepting it (no marker).
  server.use((stream) => stream.end(Code.Unavailable, SHUTTING_DOWN_MESSAGE));
  await second.drop(SHUTTING_DOWN_MESSAGE);
  const third = await server.next({ subject: "web" });
  expect(third.index).toBe(4n); // a dropped stream resumes from its index (M6)
  await reached(states, "shutting down");
  expect(third.accepted).toBe(false);
  return states;
}

/** web-1's snapshot entry carries its critical status, as the catalog's does. */
function setStatusIf(event: ReturnType<typeof register>) {
  const csn =
    event.Payload.case === "ServiceHealth" ? event.Payload.value.CheckServiceNode : undefined;
  return csn?.Service?.ID === "web-1" ? setStatus(web1, "critical") : event;
}

describe("kit ≡ real server (SPEC T2, P5, S)", () => {
  test("the same scenario gives the same sequence of hook states", async () => {
    const real = await againstRealServer();
    cleanup();
    const kit = await againstKit();
    expect(kit).toEqual(real);
    expect(real).toEqual([
      "connecting 0 loading=true resets=0 []",
      "live 2 loading=false resets=0 [n1/web-1@10.0.0.1:80=passing,n2/web-2@10.0.0.2:80=passing]",
      "live 3 loading=false resets=0 [n1/web-1@10.0.0.1:80=critical,n2/web-2@10.0.0.2:80=passing]",
      "live 4 loading=false resets=0 [n1/web-1@10.0.0.1:80=critical,n3/web-3@10.0.0.3:80=passing]",
      "live 4 loading=false resets=1 [n1/web-1@10.0.0.1:80=critical,n3/web-3@10.0.0.3:80=passing]",
      `reconnecting 4 loading=false resets=1 [n1/web-1@10.0.0.1:80=critical,n3/web-3@10.0.0.3:80=passing] [unavailable] ${SHUTTING_DOWN_MESSAGE}`,
    ]);
  }, 15_000);
});

/** The error's presence only: a cut connection's message differs by transport. */
const anyError = () => "error";

/** The last two recorded states are a reconnect that ended `live` again. */
const backLive = (states: string[]) =>
  waitFor(
    () => expect(states.slice(-2).map((s) => s.split(" ")[0])).toEqual(["reconnecting", "live"]),
    { timeout: 4_000 },
  );

async function quietResumeAgainstRealServer(): Promise<{ states: string[]; index: bigint }> {
  const server = await startTestServer({ snapshotCacheTtlMs: 0 });
  cleanups.push(() => server.close());
  // Another subscriber keeps the subject's buffer (S4), so the client's resume is served (S6).
  const keeper = server.publisher.subscribe(create(SubscribeRequestSchema, healthRequest("web")));
  cleanups.push(() => keeper.unsubscribe());
  server.catalog.register(web1);
  const index = server.catalog.register(web2);
  const registry = createTestRegistry(
    createConnectTransport({ baseUrl: server.url, useBinaryFormat: true }),
  );
  cleanups.push(() => registry.dispose());
  const states = record(createWrapper(registry), anyError);
  await reached(states, `live ${index}`);
  server.server.dropConnections();
  await backLive(states);
  return { states, index };
}

async function quietResumeAgainstKit(index: bigint): Promise<string[]> {
  const server = createScriptedServer();
  cleanups.push(() => server.dispose());
  const states = record(server.wrapper, anyError);
  const first = await server.next({ subject: "web" });
  await first.snapshot(index, [register(web1, index - 1n), register(web2, index)]);
  await reached(states, `live ${index}`);
  await first.drop();
  const second = await server.next({ subject: "web" });
  expect(second.index).toBe(index);
  // Nothing scripted: the stream accepts its subscription, as serve() does, and sends nothing.
  await backLive(states);
  expect(second.accepted).toBe(true);
  return states;
}

describe("kit ≡ real server on a quiet resume (SPEC T2, M4, M6, P5)", () => {
  test("a dropped stream resumed with no event goes reconnecting → live on both", async () => {
    const { states: real, index } = await quietResumeAgainstRealServer();
    cleanup();
    const kit = await quietResumeAgainstKit(index);
    expect(kit).toEqual(real);
    const nodes = "[n1/web-1@10.0.0.1:80=passing,n2/web-2@10.0.0.2:80=passing]";
    expect(real).toEqual([
      "connecting 0 loading=true resets=0 []",
      `live ${index} loading=false resets=0 ${nodes}`,
      `reconnecting ${index} loading=false resets=0 ${nodes} error`,
      `live ${index} loading=false resets=0 ${nodes}`,
    ]);
  }, 15_000);
});
