// Review (SPEC H5, H2): a component whose selected slice did not change does not render, also
// when that slice is legitimately `undefined` (a `find` with no match).
import { act, cleanup, screen } from "@testing-library/react";
import { MaterializerRegistry, serviceHealthRequest, useMaterializedView } from "react-submatview";
import { afterEach, describe, expect, test } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { ev, PushableClient } from "../support/pushable-client.js";
import { renderWith } from "../support/render.js";

let registry: MaterializerRegistry | undefined;
afterEach(() => {
  cleanup();
  registry?.dispose();
  registry = undefined;
});

const findZzz = (r: { nodes: readonly { Node?: { Node: string } }[] }) =>
  r.nodes.find((n) => n.Node?.Node === "zzz");

describe("SPEC H5: an unchanged undefined slice does not render", () => {
  test("live updates that leave `select` at undefined render nothing", {
    timeout: 5_000,
  }, async () => {
    const client = new PushableClient();
    registry = new MaterializerRegistry({ client, timers: new ManualTimers() });
    let renders = 0;
    function Find() {
      renders++;
      const r = useMaterializedView(serviceHealthRequest({ service: "web" }), { select: findZzz });
      return <span>{`${r.isLoading}:${r.data === undefined}`}</span>;
    }
    renderWith(registry, <Find />);
    const stream = await client.next();
    stream.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
    await screen.findByText("false:true", {}, { timeout: 2_000 });
    const settled = renders;
    for (const [i, index] of [6n, 7n, 8n].entries()) {
      stream.push(ev.register(index, `n${i + 2}`, `web-${i + 2}`));
      await stream.drained();
      // Let the coalesced notification (one task) and React's render run.
      await act(async () => new Promise<void>((resolve) => setImmediate(resolve)));
    }
    expect(registry.stats().refs).toBe(1);
    expect(renders).toBe(settled);
  });
});
