import { describe, expect, test } from "vitest";
import { RawStream } from "../relay/support/raw-stream.js";
import { relayPerTest } from "../support/relay-per-test.js";
import { healthRequest, describe as show } from "../support/server.js";

const relays = relayPerTest();

describe("SPEC L2, P5: a reader stalled past the relay's history", () => {
  test("read again, it gets every event once, in order; a resume at its last index gets NewSnapshotToFollow and the current state", async () => {
    const { world, catalog, session, slow } = await relays.stalledWeb({ historySize: 8 });
    const fast = new RawStream(relays.connect(world.server.url), healthRequest("web"));
    await fast.waitFor(2);
    const indexes: bigint[] = [];
    for (let i = 0; i < 3000; i++) {
      indexes.push(catalog.setStatus("n1", "web-1", i % 2 ? "warning" : "passing"));
    }
    await fast.waitFor(2 + indexes.length);
    expect(slow.events.length).toBeLessThan(2 + indexes.length); // stalled past 8 kept items
    const lastSeen = slow.events.at(-1)!.Index;
    // Another client that gave up at the same point resumes at its last index.
    const resumed = new RawStream(session, healthRequest("web", { Index: lastSeen }));
    const head = await resumed.waitFor(3);
    expect(head.map(show)).toEqual([
      "0:NewSnapshotToFollow",
      `${indexes.at(-1)}:reg:web-1`,
      `${indexes.at(-1)}:EndOfSnapshot`,
    ]);
    slow.stream.resume();
    const all = await slow.waitFor(2 + indexes.length);
    expect(all.slice(2).map((e) => e.Index)).toEqual(indexes);
  }, 30_000);
});
