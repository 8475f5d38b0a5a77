// SPEC H2: `isLoading` and suspending come from the entry's state (no snapshot yet and no
// error), never from the selected slice, which may legitimately be `undefined`.
import { act, cleanup, screen } from "@testing-library/react";
import { Component, type ReactNode, Suspense } from "react";
import {
  MaterializerRegistry,
  serviceHealthRequest,
  useBlockingQuery,
  useMaterializedView,
} from "react-submatview";
import { afterEach, describe, expect, test, vi } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { ev, PushableClient } from "../support/pushable-client.js";
import { renderWith } from "../support/render.js";

let registry: MaterializerRegistry | undefined;
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  registry?.dispose();
  registry = undefined;
});

const web = () => serviceHealthRequest({ service: "web" });
// A selector that finds nothing: `undefined` is its legitimate answer, not "still loading".
const findZzz = (r: { nodes: readonly { Node?: { Node: string } }[] }) =>
  r.nodes.find((n) => n.Node?.Node === "zzz");

const RENDER_LIMIT = 50;

class Boundary extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    return this.state.error ? <span>caught:{this.state.error.message}</span> : this.props.children;
  }
}

function setup() {
  const client = new PushableClient();
  registry = new MaterializerRegistry({ client, timers: new ManualTimers() });
  return { client, registry };
}

describe("SPEC H2: a select that returns undefined is not loading", () => {
  test("live view: isLoading turns false at the first snapshot although the slice is undefined", async () => {
    const { client, registry } = setup();
    function Find() {
      const r = useMaterializedView(web(), { select: findZzz });
      return <span data-testid="f">{`${r.isLoading}:${r.status}:${r.data === undefined}`}</span>;
    }
    renderWith(registry, <Find />);
    expect(screen.getByTestId("f").textContent).toBe("true:connecting:true");
    const stream = await client.next();
    stream.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
    await screen.findByText("false:live:true", {}, { timeout: 2_000 });
  });

  test("useBlockingQuery: isLoading turns false at the first result although the slice is undefined", async () => {
    const { client, registry } = setup();
    function Find() {
      const r = useBlockingQuery(web(), { select: findZzz });
      return <span data-testid="f">{`${r.isLoading}:${r.index}:${r.data === undefined}`}</span>;
    }
    renderWith(registry, <Find />);
    const stream = await client.next();
    stream.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
    await screen.findByText("false:5:true", {}, { timeout: 2_000 });
  });

  test("suspense: renders once the snapshot exists although the slice is undefined (bounded: no re-suspend loop)", async () => {
    const { client, registry } = setup();
    let renders = 0;
    function Find() {
      // A re-suspend loop ends here, in the error boundary, instead of spinning.
      if (++renders > RENDER_LIMIT) throw new Error("render loop");
      const { data } = useMaterializedView(web(), { select: findZzz, suspense: true });
      return <span>{`shown:${data === undefined ? "none" : "found"}`}</span>;
    }
    // React logs what a boundary catches; keep the output readable.
    vi.spyOn(console, "error").mockImplementation(() => {});
    renderWith(
      registry,
      <Boundary>
        <Suspense fallback={<span>fallback</span>}>
          <Find />
        </Suspense>
      </Boundary>,
    );
    const stream = await client.next();
    stream.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
    await screen.findByText(/shown:none|caught:render loop/, {}, { timeout: 2_000 });
    // A few more turns: a loop that had not yet reached the limit shows up here.
    for (let i = 0; i < 5; i++) await act(async () => {});
    expect(screen.queryByText("caught:render loop")).toBeNull();
    expect(screen.getByText("shown:none")).toBeTruthy();
    expect(renders).toBeLessThan(10);
  });
});
