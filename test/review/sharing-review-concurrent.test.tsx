// Review of 363aab2 under concurrent rendering (SPEC R4, H5): a transition render that React
// time-slices across tasks, so the share a render created leaves its table (the scheduled
// "nobody joined" check) before a later component of the same render looks it up. It failed at
// 2316bd0 (two leases, two listeners) and passes since f3b6a51: kept as a guard. One registry
// lease and one materializer subscription per key, however the render went.
import { act, cleanup } from "@testing-library/react";
import { startTransition, useEffect } from "react";
import { createRoot, type Root } from "react-dom/client";
import { MaterializerRegistry, serviceHealthRequest, useMaterializedView } from "react-submatview";
import { afterEach, describe, expect, test } from "vitest";
import { deferred } from "../support/deferred.js";
import { ManualTimers } from "../support/manual-timers.js";
import { PushableClient } from "../support/pushable-client.js";
import { withRegistry } from "../support/render.js";

const registries: MaterializerRegistry[] = [];
const roots: Root[] = [];
const actEnvironment = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };
afterEach(() => {
  actEnvironment.IS_REACT_ACT_ENVIRONMENT = true;
  for (const root of roots.splice(0)) act(() => root.unmount());
  cleanup();
  for (const r of registries.splice(0)) r.dispose();
});

const web = serviceHealthRequest({ service: "web" });

/** `promise`, or a rejection naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function Plain() {
  useMaterializedView(web);
  return null;
}
function Selecting() {
  useMaterializedView(web, { select: (r) => r.nodes.length });
  return null;
}
/** A render that takes longer than React's 5 ms slice, so a transition yields after it. */
function Slow() {
  const end = performance.now() + 12;
  while (performance.now() < end) {
    // busy: the point is to make React yield to the event loop between components
  }
  return null;
}

describe("SPEC R4, H5: one lease per key under a time-sliced transition render", () => {
  for (const [name, Comp] of [
    ["plain", Plain],
    ["with a select", Selecting],
  ] as const) {
    test(`two components (${name}) of one key separated by slow siblings hold one registry reference`, {
      timeout: 10_000,
    }, async () => {
      actEnvironment.IS_REACT_ACT_ENVIRONMENT = false;
      const client = new PushableClient();
      const registry = new MaterializerRegistry({ client, timers: new ManualTimers() });
      registries.push(registry);
      const committed = deferred();
      function Done() {
        useEffect(() => committed.resolve(), []);
        return null;
      }
      const root = createRoot(document.createElement("div"));
      roots.push(root);
      startTransition(() =>
        root.render(
          withRegistry(
            registry,
            <>
              <Comp />
              <Slow />
              <Slow />
              <Slow />
              <Comp />
              <Done />
            </>,
          ),
        ),
      );
      await within(committed.promise, 5_000, "commit");
      expect(client.streams).toHaveLength(1);
      expect(registry.stats()).toMatchObject({ entries: 1, refs: 1, listeners: 1 });
    });
  }
});
