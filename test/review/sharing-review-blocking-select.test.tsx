// Review of f3b6a51 (blocking mode selects its slice on read) from the React user's side
// (SPEC H2, H3): a `select` that depends on props. Live mode re-derives when the select
// changes; blocking mode kept the slice of the select that was current when the fetch result
// arrived, so after a prop change it shows the previous prop's slice until the next result —
// with a long blocking query, for minutes.
import { act, cleanup, render } from "@testing-library/react";
import {
  MaterializerRegistry,
  type ServiceHealthResult,
  serviceHealthRequest,
  useBlockingQuery,
  useMaterializedView,
} from "react-submatview";
import { afterEach, describe, expect, test } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { ev, PushableClient } from "../support/pushable-client.js";
import { withRegistry } from "../support/render.js";

const registries: MaterializerRegistry[] = [];
afterEach(() => {
  cleanup();
  for (const r of registries.splice(0)) r.dispose();
});

const web = serviceHealthRequest({ service: "web" });
const statusOf = (node: string) => (r: ServiceHealthResult) =>
  r.nodes.find((n) => n.Node?.Node === node)?.Checks[0]?.Status ?? "absent";

function Live({ node }: { node: string }) {
  const r = useMaterializedView(web, { select: statusOf(node) });
  return `live:${node}=${r.data} `;
}
function BlockingMode({ node }: { node: string }) {
  const r = useMaterializedView(web, { minIndex: 0n, select: statusOf(node) });
  return `mode:${node}=${r.data} `;
}
function BlockingHook({ node }: { node: string }) {
  const r = useBlockingQuery(web, { select: statusOf(node) });
  return `hook:${node}=${r.data}`;
}

describe("SPEC H2, H3: a select that depends on props", () => {
  test("after the prop changes, every mode shows the new prop's slice at once, not the previous one's", async () => {
    const client = new PushableClient();
    const registry = new MaterializerRegistry({ client, timers: new ManualTimers() });
    registries.push(registry);
    const app = (node: string) =>
      withRegistry(
        registry,
        <>
          <Live node={node} />
          <BlockingMode node={node} />
          <BlockingHook node={node} />
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
    await act(() => new Promise<void>((resolve) => setImmediate(resolve)));
    await act(() => new Promise<void>((resolve) => setImmediate(resolve)));
    expect(view.container.textContent).toBe("live:n1=passing mode:n1=passing hook:n1=passing");
    // No new event: the blocking queries wait (no newer index), the select changed.
    view.rerender(app("n2"));
    expect(view.container.textContent).toBe("live:n2=critical mode:n2=critical hook:n2=critical");
  });
});
