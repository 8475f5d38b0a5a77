/**
 * Review of 371e42f / 1c4cd42 / fbeacf1: hostile cases that FAIL today (real defects, left for
 * their owners): a materializer listener re-armed inside a notification is called again and
 * again (M9, src/core/listeners.ts); an inspection listener unsubscribed during a notification
 * is still called in that round (regression of fbeacf1, src/devtools/registry-inspection.ts).
 */
import { serviceHealthRequest } from "react-submatview/core";
import { inspectRegistry } from "react-submatview/devtools";
import { describe, expect, test } from "vitest";
import { nextChange, registryPerTest } from "../support/inspected-registry.js";
import { ev } from "../support/pushable-client.js";

const setup = registryPerTest();

describe("SPEC M9, R6: listeners and a notification in progress (defects)", () => {
  test("M9: a one-shot materializer listener that re-arms itself synchronously is called once per update, not again and again", async () => {
    const { client, registry } = setup();
    const lease = registry.acquire(serviceHealthRequest({ service: "web" }));
    const m = lease.materializer;
    const stream = await client.next();
    let calls = 0;
    // The "wait for the next change, then wait again" pattern, bounded (else: a hang).
    const arm = () => {
      const off = m.subscribe(() => {
        off();
        calls++;
        if (calls < 20) arm();
      });
    };
    arm();
    stream.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
    await stream.drained();
    expect(calls).toBe(1);
    lease.release();
  });

  test("R6: an inspection listener unsubscribed by another during a notification is not called after its unsubscribe", async () => {
    const { client, registry } = setup();
    const inspection = inspectRegistry(registry);
    const lease = registry.acquire(serviceHealthRequest({ service: "web" }));
    const stream = await client.next();
    let secondCalls = 0;
    let stopSecond: () => void = () => {};
    const stopFirst = inspection.subscribe(() => stopSecond());
    stopSecond = inspection.subscribe(() => secondCalls++);
    const changed = nextChange(inspection);
    stream.push(ev.register(5n, "n1", "web-1"), ev.end(5n));
    await stream.drained();
    await changed;
    // Unsubscribed by the first before its turn: a component that unmounted is not called.
    expect(secondCalls).toBe(0);
    stopFirst();
    lease.release();
  });
});
