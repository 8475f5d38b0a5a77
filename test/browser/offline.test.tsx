/**
 * Issue 7 item 5, SPEC M7 in real Chromium: while the browser is offline the registry spends
 * no retries, and when it comes back online the view is live again at once. Offline is
 * Chromium's own (CDP: `navigator.onLine` false, real `offline`/`online` events, requests to
 * the server fail) and the server cuts the open stream, as a lost network would. The retry
 * waiter runs on manual timers, so the offline window is advanced explicitly, not waited out.
 */
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { MaterializerProvider } from "react-submatview";
import { afterEach, expect, inject, test } from "vitest";
import { commands } from "vitest/browser";
import { ManualTimers } from "../support/manual-timers.js";
import { browserRegistry, HealthView, shownRows } from "./support/harness.js";
import { goOffline, goOnline, reconnect } from "./support/network.js";

const url = inject("browserServers").offline;
const service = "offline-web";
let dispose: (() => void) | undefined;

/** Resolves after every microtask queued so far has run (one macrotask turn, no delay). */
const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

afterEach(async () => {
  cleanup();
  dispose?.();
  await reconnect();
});

test("SPEC M7: offline spends no retry; back online the view is live again at once, with the server's data", async () => {
  await commands.serverChange("offline", service, 3);
  // Default backoff without jitter: 0, 200, 400, 800 ms… (SPEC M7), on a clock only the test moves.
  const timers = new ManualTimers();
  const { registry, attempts } = browserRegistry(url, { random: () => 0, timers });
  dispose = () => registry.dispose();
  render(
    <MaterializerProvider registry={registry}>
      <HealthView service={service} />
    </MaterializerProvider>,
  );
  const view = await screen.findByTestId(service);
  await waitFor(() => expect(view.dataset.status).toBe("live"));
  const before = Number(view.dataset.index);
  expect(attempts).toHaveLength(1);

  await goOffline(url);
  const offlineFrom = attempts.length;
  // The network is gone: the open stream dies (the server cuts it) and events happen meanwhile.
  await commands.serverDrop("offline");
  await commands.serverChange("offline", service, 2);
  await waitFor(() => expect(view.dataset.status).toBe("reconnecting"));
  // "reconnecting" is published just before the waiter's wait() starts (SPEC M6, M7), so the
  // waiter is parked by now: offline it arms no timer and retries not even "at once".
  expect(timers.pending, "retry timers armed while offline").toBe(0);
  // The window in which the plain backoff (at once, then 200, 400, 800 ms) makes four attempts.
  timers.advance(1_500);
  await macrotask(); // whatever the timers released has subscribed by now
  const offlineAttempts = attempts.length - offlineFrom;
  expect(offlineAttempts, "subscribe attempts while offline").toBe(0);
  expect(shownRows(view).length).toBeGreaterThan(0); // the last data stays on screen

  const onlineFrom = attempts.length;
  const onlineAt = performance.now();
  await goOnline();
  const server = await commands.serverState("offline", service);
  await waitFor(() => expect(view.dataset.index).toBe(server.index), { timeout: 10_000 });
  const liveAfterMs = performance.now() - onlineAt;
  expect(view.dataset.status).toBe("live");
  expect(shownRows(view)).toEqual(server.rows);
  expect(Number(server.index)).toBeGreaterThan(before);
  // The retry clock never moved after `online`: only the waiter's `online` handling retried.
  expect(timers.pending).toBe(0);
  console.info(
    `[figures] offline 1.5 s (manual clock): ${offlineAttempts} attempts; live ${Math.round(liveAfterMs)} ms after online`,
  );
  // One attempt after `online`, resuming from the index the view had.
  const resumed = attempts.slice(onlineFrom);
  expect(resumed).toHaveLength(1);
  expect(resumed[0]?.index).toBe(BigInt(before));
});
