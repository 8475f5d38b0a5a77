/**
 * SPEC M8/H3: a blocking query at the current index blocks. Every check here is bounded (a
 * capped loop, an outcome read after queued work), so breaking the comparison (`>` → `>=`)
 * fails these tests instead of spinning the event loop.
 */
import { MaterializerRegistry, serviceHealthRequest } from "react-submatview/core";
import { afterEach, describe, expect, test } from "vitest";
import { ManualTimers } from "../support/manual-timers.js";
import { aborted, startMaterializer } from "../support/materializer.js";
import { capture } from "../support/outcome.js";
import { ev, PushableClient } from "../support/pushable-client.js";

let cleanup: (() => unknown) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe("SPEC M8: minIndex equal to the current index blocks", () => {
  test("fetch at the current index stays pending, then answers the next index", async () => {
    const h = startMaterializer();
    cleanup = () => h.stop();
    const stream = await h.client.next();
    stream.push(ev.register(10n, "n1", "web-1"), ev.end(10n));
    await stream.drained();
    const query = capture(h.materializer.fetch({ minIndex: 10n }));
    expect(await query()).toBe("pending");
    // A notify at minIndex is not newer either: a reset whose snapshot lands at 10 again (a
    // live event at 10 would be an index regression, a protocol fault: SPEC P5, M5).
    stream.fail(aborted());
    const again = await h.client.next();
    again.push(ev.register(10n, "n1", "web-1"), ev.end(10n));
    await again.drained();
    expect(await query()).toBe("pending");
    again.push(ev.register(11n, "n2", "web-2"));
    await again.drained();
    expect(await query()).toMatchObject({ value: { index: 11n } });
  });

  test("a blocking-query loop (minIndex = last index) runs once per update, not in a spin", async () => {
    const client = new PushableClient();
    const registry = new MaterializerRegistry({ client, timers: new ManualTimers() });
    cleanup = () => registry.dispose();
    const web = serviceHealthRequest({ service: "web" });
    const seen: bigint[] = [];
    // Capped: a broken comparison makes this loop return at once, round after round.
    const loop = (async () => {
      let minIndex = 0n;
      for (let round = 0; round < 10; round++) {
        const result = await registry.get(web, { minIndex });
        seen.push(result.index);
        minIndex = result.index;
      }
    })();
    const rounds = capture(loop);
    const stream = await client.next();
    stream.push(ev.end(10n));
    await stream.drained();
    expect(await rounds()).toBe("pending");
    stream.push(ev.register(11n, "n1", "web-1"));
    await stream.drained();
    stream.push(ev.register(12n, "n2", "web-2"));
    await stream.drained();
    expect(await rounds()).toBe("pending");
    expect(seen).toEqual([10n, 11n, 12n]);
  });
});
