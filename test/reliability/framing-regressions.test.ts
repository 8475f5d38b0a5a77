/**
 * Regression tests from the malformed-input fuzzer's shrunk counterexamples (issue 7 item 2).
 * SPEC P5: live events follow the applied index, a live batch's members share its index, a
 * snapshot is never at index 0. Before the fix each was applied as valid and published a state
 * the server never defined at that index; now each is a protocol fault (SPEC M5): the last good
 * state is published with a ProtocolError and the view is rebuilt from a fresh snapshot.
 */
import { ProtocolError } from "react-submatview/core";
import { afterEach, describe, expect, test } from "vitest";
import { ids, startMaterializer } from "../support/materializer.js";
import { ev } from "../support/pushable-client.js";

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

function start() {
  const h = startMaterializer();
  stop = h.stop;
  return h;
}

describe("SPEC P5/M5: index regressions and mixed indexes are protocol faults", () => {
  test("a live event at the snapshot's index (counterexample: EndOfSnapshot@1, register z@1)", async () => {
    const h = start();
    const stream = await h.client.next();
    stream.push(ev.end(1n));
    await stream.drained();
    const failed = h.changed();
    stream.push(ev.register(1n, "z", "z"));
    const state = await failed;
    expect(state.error).toBeInstanceOf(ProtocolError);
    expect([state.index, ids(state.value)]).toEqual([1n, []]);
    expect((await h.client.next()).request.Index).toBe(0n);
  });

  test("a live event at the resume index (resume from 5, then an event at 5)", async () => {
    const h = start();
    const first = await h.client.next();
    first.push(ev.register(5n, "a", "a"), ev.end(5n));
    await first.drained();
    first.end();
    const resumed = await h.client.next();
    expect(resumed.request.Index).toBe(5n);
    const failed = h.changed();
    resumed.push(ev.deregister(5n, "a", "a"));
    const state = await failed;
    expect(state.error).toBeInstanceOf(ProtocolError);
    expect([state.index, ids(state.value)]).toEqual([5n, ["a"]]);
    // The second failure in a row backs off (SPEC M7): 200 ms with no jitter.
    expect(h.timers.pending).toBe(1);
    h.timers.advance(200);
    expect((await h.client.next()).request.Index).toBe(0n);
  });

  test("a live batch whose members carry other indexes (counterexample: batch@2 [reg z@2, dereg a@3])", async () => {
    const h = start();
    const stream = await h.client.next();
    stream.push(ev.end(1n));
    await stream.drained();
    const failed = h.changed();
    stream.push(ev.batch(2n, [ev.register(2n, "z", "z"), ev.deregister(3n, "a", "a")]));
    const state = await failed;
    expect(state.error).toBeInstanceOf(ProtocolError);
    expect([state.index, ids(state.value)]).toEqual([1n, []]);
    expect((await h.client.next()).request.Index).toBe(0n);
  });

  test("EndOfSnapshot at index 0 (counterexample: register a@0, EndOfSnapshot@0)", async () => {
    const h = start();
    const stream = await h.client.next();
    const failed = h.changed();
    stream.push(ev.register(0n, "a", "a"), ev.end(0n));
    const state = await failed;
    expect(state.error).toBeInstanceOf(ProtocolError);
    expect([state.status, state.index, state.value]).toEqual(["connecting", 0n, undefined]);
    expect((await h.client.next()).request.Index).toBe(0n);
  });
});
