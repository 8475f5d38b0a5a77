// Shared bed for the hostile sharing tests (SPEC H1, H2, R2–R5): a registry over a pushable
// client whose idle timers are counted, and a component that records what it showed.
import { act, cleanup } from "@testing-library/react";
import {
  MaterializerRegistry,
  type ServiceHealthResult,
  serviceHealthRequest,
  useMaterializedView,
} from "react-submatview";
import { afterEach } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { PushableClient } from "../support/pushable-client.js";

const registries: MaterializerRegistry[] = [];
/** Unmounts and disposes every registry `bed()` made, after each test (call once per file). */
export function disposeBedsAfterEach(): void {
  afterEach(() => {
    cleanup();
    for (const r of registries.splice(0)) r.dispose();
  });
}

/** Disposes `registry` with the beds after each test (for a registry a test builds itself). */
export function trackRegistry<T extends MaterializerRegistry>(registry: T): T {
  registries.push(registry);
  return registry;
}

export const TTL = 60_000;

/** A registry over a pushable client whose idle timers the test counts and fires. */
export function bed(idleTtlMs = TTL) {
  const client = new PushableClient();
  const timers = new ManualTimers();
  let idleTimers = 0;
  const counting = {
    setTimeout: (cb: () => void, ms: number) => {
      if (ms === idleTtlMs) idleTimers++;
      return timers.setTimeout(cb, ms);
    },
    clearTimeout: (h: unknown) => timers.clearTimeout(h),
  };
  const registry = new MaterializerRegistry({ client, timers: counting, idleTtlMs });
  registries.push(registry);
  return { client, timers, registry, idleTimers: () => idleTimers };
}

const web = serviceHealthRequest({ service: "web" });
const api = serviceHealthRequest({ service: "api" });
const ids = (r: ServiceHealthResult | undefined) => r?.nodes.map((n) => n.Service?.ID).join(",");

/** One task later: coalesced notifications (SPEC H5) have been delivered and rendered. */
export const nextTask = () => act(() => new Promise<void>((resolve) => setImmediate(resolve)));

/** What each component showed at its last render, by id. */
export const shown = new Map<string, string>();

/** A hook component on `web` (or `api`) that records what it shows in {@link shown}. */
export function View(props: {
  id: string;
  service?: string;
  enabled?: boolean;
  suspense?: boolean;
}) {
  const { id, service = "web", enabled, suspense } = props;
  const r = useMaterializedView(service === "web" ? web : api, { enabled, suspense });
  const text = r.isLoading ? "loading" : r.error ? `${r.status}:${r.error.message}` : ids(r.data);
  shown.set(id, `${service}:${text ?? "idle"}`);
  return null;
}

/** What the components whose id starts with `prefix` show. */
export function shownBy(prefix: string): string[] {
  return [...shown].filter(([id]) => id.startsWith(prefix)).map(([, text]) => text);
}
