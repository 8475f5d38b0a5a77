// Review (SPEC R4, T3, H2): the grace a settled suspension asks for (so React's retry render finds
// the entry when the idle TTL is 0) is for that one release. It must not become the entry's idle
// TTL for good: after the component unmounts, an idle TTL of 0 closes the stream at once.
import { act, cleanup, render, screen } from "@testing-library/react";
import { Suspense } from "react";
import {
  MaterializerProvider,
  MaterializerRegistry,
  serviceHealthRequest,
  useMaterializedView,
} from "react-submatview";
import { afterEach, describe, expect, test } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { ev, PushableClient } from "../support/pushable-client.js";

let registry: MaterializerRegistry | undefined;
afterEach(() => {
  cleanup();
  registry?.dispose();
  registry = undefined;
});

function Names() {
  const { data } = useMaterializedView(serviceHealthRequest({ service: "web" }), {
    suspense: true,
  });
  return <p>names:{data?.nodes.map((n) => n.Service?.ID).join(",")}</p>;
}

describe("SPEC R4/T3: the suspense grace is not a permanent idle TTL", () => {
  test("idle TTL 0: after the suspended component mounted and unmounted, the stream closes at once", {
    timeout: 5_000,
  }, async () => {
    const client = new PushableClient();
    const timers = new ManualTimers();
    registry = new MaterializerRegistry({ client, timers, idleTtlMs: 0 });
    const view = render(
      <MaterializerProvider registry={registry}>
        <Suspense fallback={<p>fallback</p>}>
          <Names />
        </Suspense>
      </MaterializerProvider>,
    );
    const stream = await client.next();
    stream.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
    await screen.findByText("names:web-1", {}, { timeout: 2_000 });
    expect(registry.stats().refs).toBe(1);
    // The grace still did its job: React's retry render found the entry (one stream).
    expect(client.streams).toHaveLength(1);

    view.unmount();
    // Idle TTL 0: due at once (no wall clock involved).
    await act(async () => timers.advance(0));
    expect(registry.stats().entries).toBe(0);
    expect(stream.aborted).toBe(true);
  });
});
