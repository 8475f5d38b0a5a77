/**
 * Issue 7 item 5, SPEC M6/M7 in real Chromium: a page hidden for a long time, whose stream
 * died meanwhile, resumes from its index and matches the server as soon as it is visible
 * again. Browsers throttle the timers of hidden tabs (to once a minute after five minutes), so
 * a backoff timer may fire long after its delay; the registry here backs off 10 s to stand for
 * that. Hiding is emulated (headless Chromium keeps every page visible): the document reports
 * "hidden" and a real `visibilitychange` event is dispatched.
 */
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { MaterializerProvider } from "react-submatview";
import { afterEach, expect, inject, test } from "vitest";
import { commands } from "vitest/browser";
import { browserRegistry, HealthView, shownRows } from "./support/harness.js";
import { cutOff, reconnect, setVisibility } from "./support/network.js";

const url = inject("browserServers").hidden;
const service = "hidden-web";
let dispose: (() => void) | undefined;

afterEach(async () => {
  cleanup();
  dispose?.();
  setVisibility("visible");
  await reconnect();
});

test("SPEC M6, M7: hidden, the stream dies and events happen; visible again, the view resumes from its index at once and matches the server", async () => {
  await commands.serverChange("hidden", service, 3);
  const { registry, attempts } = browserRegistry(url, { factorMs: 10_000, random: () => 0 });
  dispose = () => registry.dispose();
  render(
    <MaterializerProvider registry={registry}>
      <HealthView service={service} />
    </MaterializerProvider>,
  );
  const view = await screen.findByTestId(service);
  await waitFor(() => expect(view.dataset.status).toBe("live"));
  const before = view.dataset.index;

  setVisibility("hidden");
  // Meanwhile the connection dies and the server is out of reach for a while: the retry at
  // once fails too, and the next one is 10 s away (or, throttled, much later).
  await cutOff(url);
  await commands.serverDrop("hidden");
  await waitFor(() => expect(attempts[1]?.failed).toBe(true));
  expect(view.dataset.status).toBe("reconnecting");
  await commands.serverChange("hidden", service, 4);
  await reconnect();

  const visibleFrom = attempts.length;
  const visibleAt = performance.now();
  setVisibility("visible");
  const server = await commands.serverState("hidden", service);
  await waitFor(() => expect(view.dataset.index).toBe(server.index), { timeout: 5_000 });
  const liveAfterMs = performance.now() - visibleAt;
  console.info(`[figures] hidden tab: live ${Math.round(liveAfterMs)} ms after visible`);
  expect(liveAfterMs, "ms from visible to live").toBeLessThan(1_000);
  expect(view.dataset.status).toBe("live");
  expect(shownRows(view)).toEqual(server.rows);
  // The retry asked to resume from the index the view had before the stream died.
  expect(attempts.slice(visibleFrom).map((a) => a.index)).toEqual([BigInt(before ?? "")]);
});
