/**
 * Connectivity: what the retry waiter knows of the network and the page (SPEC M7). In a
 * browser, `navigator.onLine` and the `online` / `offline` / `visibilitychange` events;
 * elsewhere (Node, SSR) always online and never an event. Injectable, so tests drive it.
 */

/** A change the retry waiter reacts to. */
export type ConnectivityChange = "online" | "offline" | "visible";

/**
 * The environment's connectivity: while `online` is false retries are paused (no attempt can
 * succeed, so none is spent); `online` and `visible` end a pending wait at once.
 */
export interface Connectivity {
  /** False while the device is known to be offline (`navigator.onLine === false`). */
  readonly online: boolean;
  /** Calls `listener` on each change until the returned function is called. */
  subscribe(listener: (change: ConnectivityChange) => void): () => void;
}

/** No network or page events: always online (Node, SSR, workers without them). */
export const alwaysOnline: Connectivity = {
  online: true,
  subscribe: () => () => {},
};

interface BrowserGlobals {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
  navigator?: { onLine?: boolean };
  document?: {
    visibilityState?: string;
    addEventListener(type: string, listener: () => void): void;
    removeEventListener(type: string, listener: () => void): void;
  };
}

/**
 * The page's connectivity from `globalThis`: `navigator.onLine`, `online` / `offline` on the
 * global, `visibilitychange` on `document` (reported when the page becomes visible). Falls
 * back to {@link alwaysOnline} where the global has no `addEventListener` or no `onLine`.
 */
export function browserConnectivity(global: unknown = globalThis): Connectivity {
  const g = global as Partial<BrowserGlobals>;
  if (typeof g.addEventListener !== "function" || typeof g.navigator?.onLine !== "boolean") {
    return alwaysOnline;
  }
  const page = g as BrowserGlobals;
  return {
    get online() {
      return page.navigator?.onLine !== false;
    },
    subscribe(listener) {
      const online = () => listener("online");
      const offline = () => listener("offline");
      const visibility = () => {
        if (page.document?.visibilityState === "visible") listener("visible");
      };
      page.addEventListener("online", online);
      page.addEventListener("offline", offline);
      page.document?.addEventListener("visibilitychange", visibility);
      return () => {
        page.removeEventListener("online", online);
        page.removeEventListener("offline", offline);
        page.document?.removeEventListener("visibilitychange", visibility);
      };
    },
  };
}
