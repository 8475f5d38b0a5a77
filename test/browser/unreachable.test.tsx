/**
 * Issue 7 item 5, SPEC H2/M7 in real Chromium: a server nobody listens for surfaces its error
 * to the component (not loading, the error shown) while the registry keeps retrying; once a
 * server listens on that port the view goes live and the error clears.
 */
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { MaterializerProvider } from "react-submatview";
import { afterEach, expect, inject, test } from "vitest";
import { commands } from "vitest/browser";
import { browserRegistry, HealthView, shownRows } from "./support/harness.js";

const url = inject("browserServers").refused;
const service = "unreachable-web";
let dispose: (() => void) | undefined;

afterEach(() => {
  cleanup();
  dispose?.();
});

test("SPEC H2, M7: an unreachable server shows its error in the component while retries go on, then the view goes live", async () => {
  // A short backoff (capped at 500 ms) so that several retries happen within the test.
  const { registry, attempts } = browserRegistry(url, {
    factorMs: 100,
    maxWaitMs: 500,
    random: () => 0,
  });
  dispose = () => registry.dispose();
  render(
    <MaterializerProvider registry={registry}>
      <HealthView service={service} />
    </MaterializerProvider>,
  );
  const view = await screen.findByTestId(service);
  const alert = await screen.findByRole("alert");
  expect(alert.textContent).toMatch(/^ConnectError: .*fetch/i);
  expect(view.dataset.loading).toBe("false");
  expect(view.dataset.status).toBe("connecting");
  // Retries go on while the error is shown.
  const shownAt = attempts.length;
  await waitFor(() => expect(attempts.length).toBeGreaterThanOrEqual(shownAt + 2));
  expect(screen.getByRole("alert")).toBeTruthy();

  await commands.serverListen("unreachable", url);
  const index = await commands.serverChange("unreachable", service, 2);
  await waitFor(() => expect(view.dataset.index).toBe(index), { timeout: 10_000 });
  expect(view.dataset.status).toBe("live");
  expect(screen.queryByRole("alert")).toBeNull();
  expect(shownRows(view)).toEqual((await commands.serverState("unreachable", service)).rows);
});
