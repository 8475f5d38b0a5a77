/**
 * Network and page-state emulation in the test's own Chromium page, through the Chrome
 * DevTools Protocol (`cdp()` of vitest browser mode). Rules apply to one origin only, so the
 * page keeps talking to vitest while the package's server is "unreachable".
 */
import { cdp } from "vitest/browser";

const NO_THROTTLING = { latency: 0, downloadThroughput: -1, uploadThroughput: -1 };

/** Requests to `origin` fail as a disconnected network would (new ones; open streams live on). */
export async function cutOff(origin: string): Promise<void> {
  const session = cdp();
  await session.send("Network.enable", {});
  await session.send("Network.emulateNetworkConditionsByRule", {
    matchedNetworkConditions: [{ urlPattern: `${origin}/*`, offline: true, ...NO_THROTTLING }],
  });
}

/** Lifts {@link cutOff}. */
export async function reconnect(): Promise<void> {
  await cdp().send("Network.emulateNetworkConditionsByRule", { matchedNetworkConditions: [] });
}

/** Resolves on the next `type` event of `target`. */
export function nextEvent(target: EventTarget, type: string): Promise<Event> {
  return new Promise((resolve) => target.addEventListener(type, resolve, { once: true }));
}

/**
 * The browser goes offline: `navigator.onLine` turns false and Chromium fires `offline` (CDP
 * `Network.overrideNetworkState`); requests to `origin` fail. Resolves after the event.
 */
export async function goOffline(origin: string): Promise<void> {
  const offline = nextEvent(window, "offline");
  await cutOff(origin);
  await cdp().send("Network.overrideNetworkState", { offline: true, ...NO_THROTTLING });
  await offline;
}

/** Back online: Chromium fires `online`; resolves after it. */
export async function goOnline(): Promise<void> {
  const online = nextEvent(window, "online");
  await reconnect();
  await cdp().send("Network.overrideNetworkState", { offline: false, ...NO_THROTTLING });
  await online;
}

/**
 * Emulates the page being hidden or shown: headless Chromium keeps every page visible (and
 * CDP offers no switch), so `document.visibilityState` / `hidden` are overridden and a real
 * `visibilitychange` event is dispatched, as a tab switch would.
 */
export function setVisibility(state: "hidden" | "visible"): void {
  if (state === "visible") {
    Reflect.deleteProperty(document, "visibilityState");
    Reflect.deleteProperty(document, "hidden");
  } else {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
  }
  document.dispatchEvent(new Event("visibilitychange"));
}
