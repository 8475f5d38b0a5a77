// Review of f6a8778 from the React user's side (SPEC M10, V2): ServiceHealthView's compact
// instances share one frozen empty map, list and bytes (and Consul's default weights) across
// instances. A user's in-place write into a result (a bug, but a common one: `Tags.sort()`)
// must never reach another instance, or another component of the key: it throws instead.
import { act, render } from "@testing-library/react";
import {
  MaterializerRegistry,
  type ServiceHealthResult,
  serviceHealthRequest,
  useMaterializedView,
} from "react-submatview";
import { describe, expect, test } from "vitest";
import { disposeBedsAfterEach, trackRegistry } from "../react/sharing-support.js";
import { ManualTimers } from "../support/manual-timers.js";
import { ev, PushableClient } from "../support/pushable-client.js";
import { withRegistry } from "../support/render.js";

disposeBedsAfterEach();

describe("SPEC M10: a user's write into a shared result", () => {
  test("a write into one instance's empty Meta or its tags throws, and no other instance or component sees it", async () => {
    const client = new PushableClient();
    const registry = new MaterializerRegistry({ client, timers: new ManualTimers() });
    trackRegistry(registry);
    let latest: ServiceHealthResult | undefined;
    const seen: string[] = [];
    function Writer() {
      latest = useMaterializedView(serviceHealthRequest({ service: "web" })).data;
      return null;
    }
    function Reader() {
      const r = useMaterializedView(serviceHealthRequest({ service: "web" }), {
        select: (v) => v.nodes.map((n) => JSON.stringify(n.Node?.Meta)).join(","),
      });
      seen.push(r.data ?? "");
      return null;
    }
    render(
      withRegistry(
        registry,
        <>
          <Writer />
          <Reader />
        </>,
      ),
    );
    const stream = await client.next();
    stream.push(
      ev.register(2n, "n1", "web-1", { tags: ["b", "a"] }),
      ev.register(2n, "n2", "web-2"),
      ev.end(2n),
    );
    await stream.drained();
    await act(() => new Promise<void>((resolve) => setImmediate(resolve)));
    const [first, second] = latest?.nodes ?? [];
    expect(first?.Node?.Meta).toEqual({});
    // ES modules are strict: a write into a frozen object throws rather than failing silently.
    expect(() => {
      (first!.Node!.Meta as Record<string, string>).x = "1";
    }).toThrow(TypeError);
    expect(() => first!.Service!.Tags.sort()).toThrow(TypeError);
    expect(second?.Node?.Meta).toEqual({});
    expect(first?.Service?.Tags).toEqual(["b", "a"]);
    expect(seen.at(-1)).toBe("{},{}");
  });
});

describe("SPEC M10: a result a component kept never changes under it", () => {
  test("the instances of an earlier index keep their checks, meta and tags after later updates of the same instance", async () => {
    const client = new PushableClient();
    const registry = new MaterializerRegistry({ client, timers: new ManualTimers() });
    trackRegistry(registry);
    const results: ServiceHealthResult[] = [];
    function Keeper() {
      const r = useMaterializedView(serviceHealthRequest({ service: "web" }));
      if (r.data && results.at(-1) !== r.data) results.push(r.data);
      return null;
    }
    render(withRegistry(registry, <Keeper />));
    const stream = await client.next();
    const flush = async () => {
      await stream.drained();
      await act(() => new Promise<void>((resolve) => setImmediate(resolve)));
    };
    stream.push(
      ev.register(2n, "n1", "web-1", { tags: ["a"], nodeMeta: { zone: "a" } }),
      ev.end(2n),
    );
    await flush();
    const shape = (r: ServiceHealthResult) =>
      r.nodes.map(
        (n) => `${n.Node?.Meta.zone}/${n.Service?.Tags.join("+")}/${n.Checks[0]?.Status}`,
      );
    const before = shape(results[0]!);
    stream.push(
      ev.register(3n, "n1", "web-1", {
        tags: ["a", "b"],
        nodeMeta: { zone: "b" },
        status: "critical",
      }),
    );
    await flush();
    expect(results).toHaveLength(2);
    expect(shape(results[1]!)).toEqual(["b/a+b/critical"]);
    expect(shape(results[0]!)).toEqual(before);
    expect(before).toEqual(["a/a/passing"]);
  });
});
