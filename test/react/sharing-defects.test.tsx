// Defects of the per-key sharing (363aab2) found in review, each failing before its fix:
// R5's next request on a shared stopped key, a throwing `select` (live and blocking), an
// idleTtlMs beyond setTimeout's range, a time-sliced render that split a key's lease, and a
// blocking-mode select that depends on props.
import { Code, ConnectError } from "@connectrpc/connect";
import { act, render } from "@testing-library/react";
import { Component, type ReactNode, startTransition, useEffect } from "react";
import { createRoot } from "react-dom/client";
import {
  MaterializerRegistry,
  type ServiceHealthResult,
  serviceHealthRequest,
  type Timers,
  useBlockingQuery,
  useMaterializedView,
} from "react-submatview";
import { describe, expect, test } from "vitest";
import { deferred } from "../support/deferred.js";
import { ManualTimers } from "../support/manual-timers.js";
import { ev, PushableClient } from "../support/pushable-client.js";
import { withRegistry } from "../support/render.js";
import { bed, disposeBedsAfterEach, nextTask, shown, View } from "./sharing-support.js";

disposeBedsAfterEach();
const web = serviceHealthRequest({ service: "web" });

class Boundary extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    return this.state.error ? `boundary:${this.state.error.message}` : this.props.children;
  }
}
/** A stable select that throws from two instances on (a user's bug, never to be hidden). */
function countOrThrow(r: ServiceHealthResult): number {
  if (r.nodes.length > 1) throw new Error("select failed");
  return r.nodes.length;
}

describe("SPEC R5: a newcomer on a shared key a terminal error stopped", () => {
  test("gets a fresh materializer, and the component still holding the stopped one follows it", async () => {
    shown.clear();
    const { client, registry } = bed();
    const view = render(withRegistry(registry, <View id="holder" />));
    const first = await client.next();
    first.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await first.drained();
    first.fail(new ConnectError("denied", Code.PermissionDenied));
    await nextTask();
    await nextTask();
    expect(shown.get("holder")).toBe("web:failed:[permission_denied] denied");
    view.rerender(
      withRegistry(
        registry,
        <>
          <View id="holder" />
          <View id="newcomer" />
        </>,
      ),
    );
    expect(client.streams).toHaveLength(2);
    const second = await client.next();
    second.push(ev.register(5n, "n1", "web-2"), ev.end(5n));
    await second.drained();
    await nextTask();
    expect(shown.get("newcomer")).toBe("web:web-2");
    expect(shown.get("holder")).toBe("web:web-2");
    expect(registry.stats()).toMatchObject({ entries: 1, refs: 1, listeners: 1 });
  });
});

describe("SPEC H2, H3: a select that throws reaches the error boundary", () => {
  for (const mode of ["live", "blocking"] as const) {
    test(`${mode}: never the previous slice shown as current, never an unhandled rejection`, async () => {
      const { client, registry } = bed();
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on("unhandledRejection", onUnhandled);
      function Counting() {
        const r = useMaterializedView(web, {
          select: countOrThrow,
          ...(mode === "blocking" ? { minIndex: 0n } : {}),
        });
        return `count:${r.data}@${r.index}:${r.status}`;
      }
      try {
        const view = render(
          withRegistry(
            registry,
            <Boundary>
              <Counting />
            </Boundary>,
          ),
        );
        const stream = await client.next();
        stream.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
        await stream.drained();
        await nextTask();
        // The slice, its index and status (the review's blocking case asserted "1@2:live").
        expect(view.container.textContent).toBe("count:1@2:live");
        const spy = console.error;
        console.error = () => {}; // React logs the caught error
        try {
          stream.push(ev.register(3n, "n2", "web-2"));
          await stream.drained();
          await nextTask();
          await nextTask();
        } finally {
          console.error = spy;
        }
        expect(view.container.textContent).toBe("boundary:select failed");
        expect(unhandled).toEqual([]);
      } finally {
        process.off("unhandledRejection", onUnhandled);
      }
    });
  }
});

describe("SPEC R4, H2: an idleTtlMs beyond setTimeout's range", () => {
  for (const ttl of [Number.POSITIVE_INFINITY, 30 * 24 * 3_600_000]) {
    test(`${ttl} ms keeps the stream at least the registry's TTL, not 1 ms`, async () => {
      // Timers as browsers and Node run them: a delay above 2^31 - 1 ms fires after 1 ms.
      const manual = new ManualTimers();
      const timers: Timers = {
        setTimeout: (cb, ms) => manual.setTimeout(cb, ms > 2 ** 31 - 1 ? 1 : ms),
        clearTimeout: (h) => manual.clearTimeout(h),
      };
      const client = new PushableClient();
      const registry = new MaterializerRegistry({ client, timers, idleTtlMs: 60_000 });
      function Kept() {
        useMaterializedView(web, { idleTtlMs: ttl });
        return null;
      }
      try {
        const view = render(withRegistry(registry, <Kept />));
        const stream = await client.next();
        stream.push(ev.end(2n));
        await stream.drained();
        view.unmount();
        manual.advance(24 * 3_600_000);
        expect(stream.aborted).toBe(false);
        expect(registry.stats().entries).toBe(1);
      } finally {
        registry.dispose();
      }
    });
  }
});

describe("SPEC R4, H5: one lease per key under a time-sliced transition render", () => {
  test("two components of one key separated by slow siblings hold one registry reference", {
    timeout: 10_000,
  }, async () => {
    const env = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };
    env.IS_REACT_ACT_ENVIRONMENT = false;
    const { client, registry } = bed();
    const committed = deferred();
    function Done() {
      useEffect(() => committed.resolve(), []);
      return null;
    }
    /** Longer than React's 5 ms slice: a transition yields to the event loop after it. */
    function Slow() {
      const end = performance.now() + 12;
      while (performance.now() < end) {
        // busy on purpose: React must yield (a task) between the two components
      }
      return null;
    }
    function Plain() {
      useMaterializedView(web);
      return null;
    }
    const root = createRoot(document.createElement("div"));
    try {
      startTransition(() =>
        root.render(
          withRegistry(
            registry,
            <>
              <Plain />
              <Slow />
              <Slow />
              <Slow />
              <Plain />
              <Done />
            </>,
          ),
        ),
      );
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        committed.promise,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error("no commit within 5 s")), 5_000);
        }),
      ]).finally(() => clearTimeout(timer));
      expect(client.streams).toHaveLength(1);
      expect(registry.stats()).toMatchObject({ entries: 1, refs: 1, listeners: 1 });
    } finally {
      env.IS_REACT_ACT_ENVIRONMENT = true;
      act(() => root.unmount());
    }
  });
});

describe("SPEC H2, H3: a select that depends on props", () => {
  test("a new select shows the new prop's slice of the current result at once, in every mode, without a new query", async () => {
    const { client, registry } = bed();
    const statusOf = (node: string) => (r: ServiceHealthResult) =>
      r.nodes.find((n) => n.Node?.Node === node)?.Checks[0]?.Status ?? "absent";
    function Live({ node }: { node: string }) {
      const r = useMaterializedView(web, { select: statusOf(node) });
      return `live:${r.data} `;
    }
    function Mode({ node }: { node: string }) {
      const r = useMaterializedView(web, { minIndex: 0n, select: statusOf(node) });
      return `mode:${r.data} `;
    }
    function Hook({ node }: { node: string }) {
      const r = useBlockingQuery(web, { select: statusOf(node) });
      return `hook:${r.data}`;
    }
    const app = (node: string) =>
      withRegistry(
        registry,
        <>
          <Live node={node} />
          <Mode node={node} />
          <Hook node={node} />
        </>,
      );
    const view = render(app("n1"));
    const stream = await client.next();
    stream.push(
      ev.register(2n, "n1", "web-1", { status: "passing" }),
      ev.register(2n, "n2", "web-2", { status: "critical" }),
      ev.end(2n),
    );
    await stream.drained();
    await nextTask();
    await nextTask();
    expect(view.container.textContent).toBe("live:passing mode:passing hook:passing");
    // No new event: both loops wait for an index above 2; only the select changed.
    view.rerender(app("n2"));
    expect(view.container.textContent).toBe("live:critical mode:critical hook:critical");
    expect(client.streams).toHaveLength(1);
  });
});
