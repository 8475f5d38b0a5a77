/** The ready datacenter (SPEC T2, T3): deterministic seeds, faults, churn that stops on dispose. */
import { create } from "@bufbuild/protobuf";
import { cleanup, renderHook, waitFor } from "@testing-library/react";
import { serviceHealthRequest, useMaterializedView } from "react-submatview";
import { SubscribeRequestSchema, Topic } from "react-submatview/gen";
import { createDatacenter, type Datacenter } from "react-submatview/testing";
import { afterEach, describe, expect, test, vi } from "vitest";

let dc: Datacenter | undefined;
afterEach(() => {
  cleanup();
  dc?.dispose();
  vi.useRealTimers();
});

const watch = (datacenter: Datacenter) =>
  renderHook(() => useMaterializedView(serviceHealthRequest({ service: "service-00" })), {
    wrapper: datacenter.wrapper,
  }).result;

describe("datacenter (SPEC T2)", () => {
  test("equal seeds give equal catalogs and equal churn; another seed differs", () => {
    const run = (seed: number) => {
      const d = createDatacenter({ services: 3, instancesPerService: 4, seed });
      for (let i = 0; i < 20; i++) d.step();
      const specs = JSON.stringify(d.catalog.specs());
      d.dispose();
      return specs;
    };
    expect(run(7)).toBe(run(7));
    expect(run(7)).not.toBe(run(8));
  });

  test("serves live views; catalog changes arrive as live events", async () => {
    dc = createDatacenter({ services: 2, instancesPerService: 3 });
    const result = watch(dc);
    await waitFor(() => expect(result.current.data?.nodes).toHaveLength(3));
    const index = dc.catalog.register({ node: "x", service: "service-00", id: "extra" });
    await waitFor(() => expect(result.current.index).toBe(index));
    expect(result.current.data?.nodes).toHaveLength(4);
  });

  test("dropAll: clients keep their data and resubscribe; reset: they resnapshot (SPEC M6, P5)", async () => {
    dc = createDatacenter({ services: 1, instancesPerService: 2 });
    const result = watch(dc);
    await waitFor(() => expect(result.current.status).toBe("live"));
    const before = dc.publisher.idle();
    dc.dropAll();
    await before; // the dropped stream is released server-side (S8)…
    await waitFor(() => expect(dc?.publisher.stats().subscribers).toBe(1)); // …and reopened
    expect(result.current.data?.nodes).toHaveLength(2);
    dc.reset();
    await waitFor(() => expect(result.current.resets).toBe(1));
    expect(result.current.status).toBe("live");
  });

  test("a dropped stream resumed on a quiet subject goes back to live with no event, as from serve() (SPEC T2, M4, P5)", async () => {
    dc = createDatacenter({ services: 1, instancesPerService: 2 });
    // Another subscriber holds the subject's buffer (S4) from before the last change, so the
    // buffer's newest item is at the client's index and its resume is served (S6).
    const keeper = dc.publisher.subscribe(
      create(SubscribeRequestSchema, {
        Topic: Topic.ServiceHealth,
        Subject: { case: "NamedSubject", value: { Key: "service-00" } },
      }),
    );
    const index = dc.catalog.register({ node: "x", service: "service-00", id: "extra" });
    const lease = dc.registry.acquire(serviceHealthRequest({ service: "service-00" }));
    const m = lease.materializer;
    const states: string[] = [];
    const stop = m.subscribe(() => {
      const s = m.getSnapshot();
      states.push(`${s.status} ${s.index} resets=${s.resets}${s.error ? " error" : ""}`);
    });
    await waitFor(() => expect(m.getSnapshot().index).toBe(index));
    states.length = 0;
    dc.dropAll();
    await waitFor(() => expect(states.at(-1)).toBe(`live ${index} resets=0`));
    expect(states).toEqual([`reconnecting ${index} resets=0 error`, `live ${index} resets=0`]);
    stop();
    keeper.unsubscribe();
    lease.release();
  });

  test("restore: the view resnapshots at the lower index (SPEC M8 reset below minIndex)", async () => {
    dc = createDatacenter({ services: 2, instancesPerService: 2 });
    const result = watch(dc);
    await waitFor(() => expect(result.current.index).toBe(2n));
    dc.catalog.register({ node: "x", service: "service-00", id: "extra" });
    await waitFor(() => expect(result.current.index).toBe(3n));
    dc.restore(2n);
    await waitFor(() => expect(result.current.resets).toBe(1));
    expect(result.current.index).toBe(2n);
    expect(result.current.data?.nodes).toHaveLength(3);
    expect(() => dc?.restore(5n)).toThrow(/1…1/);
  });

  test("churn runs on timers (fake ones here) and leaves none after dispose (SPEC T3)", async () => {
    vi.useFakeTimers();
    dc = createDatacenter({ services: 2, churnPerSecond: 10 });
    const start = dc.index;
    vi.advanceTimersByTime(1_000);
    expect(dc.index).toBe(start + 10n);
    dc.churn(0);
    vi.advanceTimersByTime(1_000);
    expect(dc.index).toBe(start + 10n);
    dc.churn(5);
    dc.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });
});
