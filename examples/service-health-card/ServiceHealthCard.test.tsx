// Render tests of the card with react-submatview/testing, vitest and Testing Library.
import { cleanup, render, screen } from "@testing-library/react";
import { Suspense } from "react";
import { createScriptedServer, type ScriptedServer, setStatus } from "react-submatview/testing";
import { afterEach, beforeEach, expect, test } from "vitest";
import { aclDenied, live, reconnecting, resnapshot, twoInstances, web1 } from "./fixtures.js";
import { ServiceHealthCard } from "./ServiceHealthCard.js";

let server: ScriptedServer;
beforeEach(() => {
  server = createScriptedServer();
});
afterEach(() => {
  cleanup();
  server.dispose();
});

test("shows loading until the first snapshot", async () => {
  render(<ServiceHealthCard service="web" />, { wrapper: server.wrapper });
  expect(screen.getByText("Loading web…")).toBeTruthy();
  const stream = await server.next({ subject: "web" });
  expect(stream.index).toBe(0n);
});

test("renders the first snapshot", async () => {
  server.use(live);
  render(<ServiceHealthCard service="web" />, { wrapper: server.wrapper });
  expect(await screen.findByText("2 of 2 passing")).toBeTruthy();
  expect(screen.getByText("web-1 on node-1: passing")).toBeTruthy();
});

test("follows a live update", async () => {
  render(<ServiceHealthCard service="web" />, { wrapper: server.wrapper });
  const stream = await server.next({ subject: "web" });
  await stream.snapshot(10, twoInstances);
  await stream.push(11, setStatus(web1, "critical"));
  expect(await screen.findByText("web-1 on node-1: critical")).toBeTruthy();
  expect(screen.getByText("1 of 2 passing")).toBeTruthy();
});

test("keeps the stale data while reconnecting", async () => {
  server.use(reconnecting);
  render(<ServiceHealthCard service="web" />, { wrapper: server.wrapper });
  expect(await screen.findByText("2 of 2 passing · reconnecting…")).toBeTruthy();
  expect(screen.getByText("web-2 on node-2: passing")).toBeTruthy();
  expect(server.streams.at(-1)?.index).toBe(10n);
});

test("shows a terminal ACL error and does not retry", async () => {
  server.use(aclDenied);
  render(<ServiceHealthCard service="web" token="secret" />, { wrapper: server.wrapper });
  expect((await screen.findByRole("alert")).textContent).toMatch(/permission denied/);
  expect(server.streams.map((s) => s.hasToken)).toEqual([true]);
});

test("resets and renders the new snapshot", async () => {
  server.use(resnapshot);
  render(<ServiceHealthCard service="web" />, { wrapper: server.wrapper });
  expect(await screen.findByText("1 of 1 passing")).toBeTruthy();
  expect(server.streams.map((s) => s.index)).toEqual([0n, 0n]);
});

test("suspends until the first snapshot", async () => {
  const ui = <ServiceHealthCard service="web" suspense />;
  render(<Suspense fallback={<p>Suspended…</p>}>{ui}</Suspense>, { wrapper: server.wrapper });
  expect(screen.getByText("Suspended…")).toBeTruthy();
  await (await server.next()).snapshot(10, twoInstances);
  expect(await screen.findByText("2 of 2 passing")).toBeTruthy();
});
