// The stories' latency control (stories/latency.ts): a transport wrapper that delays a stream's
// opening and each of its messages, pipelined and in order, errors included (SPEC T2's kit behind it).
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { StateChangeSubscription, Topic } from "react-submatview/gen";
import { createScriptedServer, register, type ScriptedServer } from "react-submatview/testing";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { withLatency } from "../../stories/latency.js";

const web = (n: number) => ({ node: `node-${n}`, service: "web", id: `web-${n}` });

/** A promise and whether it settled yet (checked after advancing fake time). */
function track<T>(promise: Promise<T>) {
  const state = { settled: false, value: undefined as T | undefined, error: undefined as unknown };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

let server: ScriptedServer;
let abort: AbortController;
beforeEach(() => {
  vi.useFakeTimers();
  server = createScriptedServer();
  abort = new AbortController();
});
afterEach(() => {
  abort.abort();
  server.dispose();
  vi.useRealTimers();
});

function subscribe(latencyMs: number) {
  const client = createClient(StateChangeSubscription, withLatency(server.transport, latencyMs));
  const call = client.subscribe(
    { Topic: Topic.ServiceHealth, Subject: { case: "NamedSubject", value: { Key: "web" } } },
    { signal: abort.signal },
  );
  return call[Symbol.asyncIterator]();
}

describe("withLatency (stories' latency control)", () => {
  test("0 ms returns the transport itself", () => {
    expect(withLatency(server.transport, 0)).toBe(server.transport);
  });

  test("the stream opens late, and each message arrives the latency after it was sent, pipelined", async () => {
    const events = subscribe(100);
    const first = track(events.next());
    await vi.advanceTimersByTimeAsync(99);
    expect(server.streams).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    const stream = await server.next({ subject: "web" });
    void stream.snapshot(10, [register(web(1)), register(web(2))]);
    await vi.advanceTimersByTimeAsync(99);
    expect(first.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(first.value?.value?.Index).toBe(10n);
    // The snapshot's other events were sent at the same time: no further wait each (pipelined).
    const rest = [await events.next(), await events.next()];
    expect(rest.map((r) => r.value?.Payload.case)).toEqual(["ServiceHealth", "EndOfSnapshot"]);
  });

  test("the stream's error arrives late too, after the messages sent before it", async () => {
    const events = subscribe(50);
    await vi.advanceTimersByTimeAsync(50);
    const stream = await server.next();
    void stream.snapshot(10, [register(web(1))]);
    void stream.end(Code.Aborted, "reset");
    const order: string[] = [];
    const read = (async () => {
      try {
        for (;;) {
          const r = await events.next();
          if (r.done) return;
          order.push(r.value.Payload.case ?? "?");
        }
      } catch (error) {
        order.push(`error ${ConnectError.from(error).code}`);
      }
    })();
    await vi.advanceTimersByTimeAsync(49);
    expect(order).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await read;
    expect(order).toEqual(["ServiceHealth", "EndOfSnapshot", `error ${Code.Aborted}`]);
  });
});
