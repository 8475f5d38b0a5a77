// Hostile sharing scenarios, lifecycle (SPEC H1, H2, M6, R1, R5): Suspense on a shared key, a
// terminal error reaching every component, a provider's registry replaced while components
// share a key, and two providers with the same key (never shared across registries).
import { Code, ConnectError } from "@connectrpc/connect";
import { render } from "@testing-library/react";
import { StrictMode, Suspense } from "react";
import { MaterializerProvider, type MaterializerRegistry } from "react-submatview";
import { describe, expect, test } from "vitest";
import { ev } from "../support/pushable-client.js";
import { renderWith } from "../support/render.js";
import { bed, disposeBedsAfterEach, nextTask, shown, shownBy, View } from "./sharing-support.js";

disposeBedsAfterEach();

describe("SPEC H2: Suspense on a shared key", () => {
  test("100 suspended components wait on one stream and all resume at its first snapshot", async () => {
    shown.clear();
    const { client, registry } = bed();
    renderWith(
      registry,
      <Suspense fallback={null}>
        {Array.from({ length: 100 }, (_, i) => (
          <View key={i} id={`u${i}`} suspense />
        ))}
      </Suspense>,
    );
    const stream = await client.next();
    stream.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await stream.drained();
    await nextTask();
    await nextTask();
    const rendered = shownBy("u");
    expect(rendered).toHaveLength(100);
    expect(new Set(rendered)).toEqual(new Set(["web:web-1"]));
    expect(client.streams).toHaveLength(1);
  });
});

describe("SPEC M6, R5: a terminal error on a shared key", () => {
  test("reaches every component as 'failed', with no retry; the entry goes once they all unmount", async () => {
    shown.clear();
    const { client, registry } = bed();
    const view = renderWith(
      registry,
      Array.from({ length: 100 }, (_, i) => <View key={i} id={`e${i}`} />),
    );
    const stream = await client.next();
    stream.push(ev.register(2n, "n1", "web-1"), ev.end(2n));
    await stream.drained();
    await nextTask();
    stream.fail(new ConnectError("denied", Code.PermissionDenied));
    await nextTask();
    await nextTask();
    expect(new Set(shownBy("e"))).toEqual(new Set(["web:failed:[permission_denied] denied"]));
    expect(client.streams).toHaveLength(1);
    view.unmount();
    expect(registry.stats()).toMatchObject({ entries: 0, refs: 0, listeners: 0 });
  });
});

describe("SPEC H1, R1: registries never share", () => {
  test("the provider's registry replaced while components share a key: they follow the new one, the old one is let go", async () => {
    shown.clear();
    const a = bed();
    const b = bed();
    const app = (registry: MaterializerRegistry) => (
      <MaterializerProvider registry={registry}>
        {Array.from({ length: 10 }, (_, i) => (
          <View key={i} id={`r${i}`} />
        ))}
      </MaterializerProvider>
    );
    const view = render(app(a.registry));
    const first = await a.client.next();
    first.push(ev.register(2n, "n1", "web-a"), ev.end(2n));
    await first.drained();
    await nextTask();
    expect(new Set(shownBy("r"))).toEqual(new Set(["web:web-a"]));
    view.rerender(app(b.registry));
    // Nothing of registry a's view is shown as registry b's (H1, H2).
    expect(new Set(shownBy("r"))).toEqual(new Set(["web:loading"]));
    const second = await b.client.next();
    second.push(ev.register(7n, "n1", "web-b"), ev.end(7n));
    await second.drained();
    await nextTask();
    expect(new Set(shownBy("r"))).toEqual(new Set(["web:web-b"]));
    expect(a.registry.stats()).toMatchObject({ refs: 0, listeners: 0 });
    expect(a.idleTimers()).toBe(1);
    expect(b.registry.stats()).toMatchObject({ entries: 1, openStreams: 1 });
  });

  test("two providers with the same key each open their own stream and show their own data", async () => {
    shown.clear();
    const a = bed();
    const b = bed();
    render(
      <StrictMode>
        <MaterializerProvider registry={a.registry}>
          <View id="pa1" />
          <View id="pa2" />
        </MaterializerProvider>
        <MaterializerProvider registry={b.registry}>
          <View id="pb1" />
          <View id="pb2" />
        </MaterializerProvider>
      </StrictMode>,
    );
    const sa = await a.client.next();
    const sb = await b.client.next();
    const drained = Promise.all([sa.drained(), sb.drained()]);
    sa.push(ev.register(2n, "n1", "from-a"), ev.end(2n));
    sb.push(ev.register(2n, "n1", "from-b"), ev.end(2n));
    await drained;
    await nextTask();
    expect(shownBy("pa")).toEqual(["web:from-a", "web:from-a"]);
    expect(shownBy("pb")).toEqual(["web:from-b", "web:from-b"]);
    expect(a.client.streams).toHaveLength(1);
    expect(b.client.streams).toHaveLength(1);
  });
});
