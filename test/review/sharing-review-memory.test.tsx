// Review of 363aab2: the per-registry table of key shares must not grow with the keys a page
// ever used (SPEC R4, issue 10). 10,000 key changes of one component, then a full GC: the
// requests the shares held must be collectable (only the request builders' bounded memo, 256,
// and the current one may keep theirs).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { act, render } from "@testing-library/react";
import {
  type MaterializedRequest,
  MaterializerRegistry,
  type ServiceHealthResult,
  serviceHealthRequest,
  useMaterializedView,
} from "react-submatview";
import { describe, expect, test } from "vitest";
import { disposeBedsAfterEach, trackRegistry } from "../react/sharing-support.js";
import { ManualTimers } from "../support/manual-timers.js";
import { PushableClient } from "../support/pushable-client.js";
import { withRegistry } from "../support/render.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

disposeBedsAfterEach();

const CYCLES = 10_000;
const MEMO_BOUND = 256;

const MODES = [
  undefined,
  { select: (r: ServiceHealthResult) => r.nodes.length },
  { idleTtlMs: 10 },
] as const;

describe("SPEC R4: no share left behind", () => {
  test(`${CYCLES} key changes of one component (plain, with a select, with an idleTtlMs in turn) leave no share holding an old request`, {
    timeout: 60_000,
  }, async () => {
    const client = new PushableClient();
    const timers = new ManualTimers();
    const registry = new MaterializerRegistry({ client, timers, idleTtlMs: 0 });
    trackRegistry(registry);
    const refs: WeakRef<MaterializedRequest<ServiceHealthResult>>[] = [];
    function V({
      request,
      mode,
    }: {
      request: MaterializedRequest<ServiceHealthResult>;
      mode: number;
    }) {
      useMaterializedView(request, MODES[mode]);
      return null;
    }
    const request = (i: number) => {
      const r = serviceHealthRequest({ service: `memory-${i}` });
      refs.push(new WeakRef(r));
      return r;
    };
    const view = render(withRegistry(registry, <V request={request(0)} mode={0} />));
    for (let i = 1; i < CYCLES; i++) {
      view.rerender(withRegistry(registry, <V request={request(i)} mode={i % 3} />));
      // The registry entry of the key just left expires (idle TTL 0): only shares could remain.
      timers.advance(10);
    }
    view.unmount();
    timers.advance(10);
    await act(() => new Promise<void>((resolve) => setImmediate(resolve)));
    expect(registry.stats()).toMatchObject({ entries: 0, refs: 0, listeners: 0 });
    // Streams hold their SubscribeRequest, never the MaterializedRequest; drop them anyway.
    client.streams.length = 0;
    gc();
    await new Promise<void>((resolve) => setImmediate(resolve));
    gc();
    const alive = refs.filter((r) => r.deref() !== undefined).length;
    // Sensitivity: ~9,700 were collected, so a leaked share (holding its request) would show.
    expect(alive).toBeLessThanOrEqual(MEMO_BOUND + 2);
  });
});

describe("SPEC H1, R6: a replaced registry leaves nothing behind", () => {
  test("500 registries replaced in turn under components sharing a key: the old registries (and their shares) are collectable", {
    timeout: 60_000,
  }, async () => {
    const client = new PushableClient();
    const refs: WeakRef<MaterializerRegistry>[] = [];
    const web = serviceHealthRequest({ service: "web" });
    function Shared() {
      useMaterializedView(web);
      useMaterializedView(web, MODES[1]);
      useMaterializedView(web, MODES[2]);
      return null;
    }
    let previous: MaterializerRegistry | undefined;
    const next = () => {
      const registry = new MaterializerRegistry({ client, timers: new ManualTimers() });
      refs.push(new WeakRef(registry));
      return registry;
    };
    let registry = next();
    const view = render(withRegistry(registry, <Shared />));
    for (let i = 0; i < 500; i++) {
      previous = registry;
      registry = next();
      view.rerender(withRegistry(registry, <Shared />));
      // The old registry's share let go of its lease on the switch, before anyone disposed it.
      expect(previous.stats()).toMatchObject({ refs: 0, listeners: 0 });
      previous.dispose();
    }
    previous = undefined;
    view.unmount();
    registry.dispose();
    await act(() => new Promise<void>((resolve) => setImmediate(resolve)));
    client.streams.length = 0;
    gc();
    await new Promise<void>((resolve) => setImmediate(resolve));
    gc();
    // No growth: a few may still be reachable from React's alternate fibers or a pending task.
    expect(refs.filter((r) => r.deref() !== undefined).length).toBeLessThanOrEqual(10);
  });
});
