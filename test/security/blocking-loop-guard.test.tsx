/**
 * SPEC M8/H3 hang-guard (issue 7 item 0): the blocking-query loop behind `useBlockingQuery` and
 * `useMaterializedView`'s blocking mode re-issues one fetch per update. A fetch that answers at
 * once with an index that does not exceed the `minIndex` it asked for (not `notModified`, not
 * `reset`, no error) breaks M8; the loop must stop with a clear error instead of re-issuing
 * fetches without ever yielding to the event loop (which would spin a test forever, its own
 * timeout included). Both tests here are bounded even when the guard is missing.
 */
import { cleanup, render, screen } from "@testing-library/react";
import {
  type FetchOptions,
  type FetchResult,
  type MaterializedRequest,
  MaterializerProvider,
  MaterializerRegistry,
  serviceHealthRequest,
  useBlockingQuery,
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

const web = () => serviceHealthRequest({ service: "web" });

/** A registry whose `get` calls are counted. */
class CountingRegistry extends MaterializerRegistry {
  calls = 0;
  override get<TResult>(
    request: MaterializedRequest<TResult>,
    options?: FetchOptions,
  ): Promise<FetchResult<TResult>> {
    this.calls++;
    return super.get(request, options);
  }
}

/**
 * A registry that breaks M8: every `get` answers at once with index 5, whatever `minIndex`.
 * Capped, so the test stays bounded without the guard: after 50 calls it rejects, which ends
 * the loop (and the test then fails on the count).
 */
class StuckRegistry extends MaterializerRegistry {
  calls = 0;
  override async get<TResult>(
    _request: MaterializedRequest<TResult>,
    _options?: FetchOptions,
  ): Promise<FetchResult<TResult>> {
    if (++this.calls > 50) throw new Error("capped");
    return { value: undefined, index: 5n, cached: true };
  }
}

/** The two ways into the loop: `useBlockingQuery` and `useMaterializedView`'s blocking mode. */
const loops = {
  hook: () => useBlockingQuery(web()),
  view: () => useMaterializedView(web(), { minIndex: 0n }),
};

let renders = 0;
function Blocking({ mode }: { mode: keyof typeof loops }) {
  // A render loop must fail, not spin.
  if (++renders > 200) throw new Error("render loop");
  const r = loops[mode]();
  return <p data-testid="r">{`${r.status}:${r.index}:${r.error?.message ?? ""}`}</p>;
}

describe.each(["hook", "view"] as const)("SPEC M8/H3: the blocking loop (%s)", (mode) => {
  test("issues one fetch per update over the real core, never a spin", {
    timeout: 15_000,
  }, async () => {
    const client = new PushableClient();
    const counting = new CountingRegistry({ client, timers: new ManualTimers() });
    registry = counting;
    renders = 0;
    render(
      <MaterializerProvider registry={counting}>
        <Blocking mode={mode} />
      </MaterializerProvider>,
    );
    const stream = await client.next();
    stream.push(ev.register(10n, "n1", "web-1"), ev.end(10n));
    // With a broken comparison the guard's error shows here at once (without it: a spin).
    expect((await screen.findByText(/^\w+:10:/)).textContent).toBe("live:10:");
    // The first fetch answered; the second waits at minIndex 10 (a broken `>=` answers it at once).
    expect(counting.calls).toBe(2);
    stream.push(ev.register(11n, "n2", "web-2"));
    await screen.findByText("live:11:");
    expect(counting.calls).toBe(3);
  });

  test("a fetch that answers at once with an index not above its minIndex stops the loop with a clear error", {
    timeout: 15_000,
  }, async () => {
    const stuck = new StuckRegistry({ client: new PushableClient(), timers: new ManualTimers() });
    registry = stuck;
    renders = 0;
    render(
      <MaterializerProvider registry={stuck}>
        <Blocking mode={mode} />
      </MaterializerProvider>,
    );
    await screen.findByText(/^failed:5:.*SPEC M8/);
    // The first answer (index 5 for minIndex 0) is fine; the repeat (5 for minIndex 5) is not.
    expect(stuck.calls).toBe(2);
  });
});
