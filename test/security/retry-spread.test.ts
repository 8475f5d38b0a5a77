/**
 * Issue 7 item 4, SPEC M7: 1,000 clients reconnecting after a server restart spread their
 * retries. Each materializer has the real RetryWaiter (one per registry entry); the server is
 * in memory (a restart: every live stream drops, then every attempt is refused while it is
 * down) and time is virtual. Failure 1 retries at once by design (M7, as Consul); from failure 2
 * on, the uniform jitter of up to 100 % spreads the waits over [base, 2·base).
 */
import { Code, ConnectError } from "@connectrpc/connect";
import {
  MaterializerRegistry,
  type RetryWaiterOptions,
  type StreamClient,
  serviceHealthRequest,
} from "react-submatview/core";
import type { Event, SubscribeRequest } from "react-submatview/gen";
import { afterEach, describe, expect, test } from "vitest";
import { within } from "../react/tanstack-support.js";
import { deferred } from "../support/deferred.js";
import { ev, PushableClient } from "../support/pushable-client.js";
import { seededRandom, VirtualClock } from "../support/virtual-clock.js";

const CLIENTS = 1_000;
/** Failures whose waits are measured: k = 2 (the first jittered one) to 7. */
const ROUNDS = [2, 3, 4, 5, 6, 7];

let registries: MaterializerRegistry[] = [];
afterEach(() => {
  for (const registry of registries) registry.dispose();
  registries = [];
});

/** An in-memory server that can restart: live streams drop, attempts are refused until up. */
class RestartingServer implements StreamClient {
  readonly live = new PushableClient();
  down = false;
  /** Virtual time of every refused attempt. */
  readonly refusedAt: number[] = [];

  constructor(readonly clock: VirtualClock) {}

  subscribe(request: SubscribeRequest, options: { signal: AbortSignal }): AsyncIterable<Event> {
    if (!this.down) return this.live.subscribe(request, options);
    this.refusedAt.push(this.clock.now);
    const refused = new ConnectError("connect ECONNREFUSED 127.0.0.1", Code.Unavailable);
    return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(refused) }) };
  }

  /** The server goes away: every open stream is cut, new attempts are refused. */
  restart(): void {
    this.down = true;
    for (const stream of this.live.streams) {
      if (!stream.aborted) stream.fail(new ConnectError("connection reset", Code.Unavailable));
    }
  }
}

/** The largest share of `values` in any window `[v, v + width)` starting at a value. */
function densestWindow(values: readonly number[], width: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= width) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best / sorted.length;
}

interface Round {
  readonly k: number;
  readonly base: number;
  readonly waits: number[];
}

/**
 * 1,000 live views (in `registryCount` registries sharing the server and the clock), then a
 * restart; collects, per failure k, every client's wait.
 */
async function restartWith(registryCount: number, retry: RetryWaiterOptions | undefined) {
  const clock = new VirtualClock();
  const server = new RestartingServer(clock);
  registries = Array.from(
    { length: registryCount },
    () => new MaterializerRegistry({ client: server, timers: clock, retry }),
  );
  let live = 0;
  const allLive = deferred();
  for (let i = 0; i < CLIENTS; i++) {
    const registry = registries[i % registryCount]!;
    let seen = false;
    registry.notify(serviceHealthRequest({ service: `svc-${i}` }), (state) => {
      if (state.index > 0n && !seen) {
        seen = true;
        if (++live === CLIENTS) allLive.resolve();
      }
    });
  }
  expect(server.live.streams).toHaveLength(CLIENTS);
  for (const stream of server.live.streams) stream.push(ev.end(5n));
  await within(allLive.promise, "1,000 live views");

  server.restart();
  const rounds: Round[] = [];
  for (const k of ROUNDS) {
    // Every client failed k times (failure 1 retried at once) and waits: one timer each.
    const before = clock.set.length;
    await within(clock.pendingAtLeast(CLIENTS), `1,000 clients parked after failure ${k}`);
    const waits = clock.set.slice(before).map((t) => t.ms);
    expect(waits).toHaveLength(CLIENTS);
    rounds.push({ k, base: 200 * 2 ** (k - 2), waits });
    // Every retry of this round falls due, and is refused: failure k + 1.
    clock.advanceTo(clock.now + 2 * 200 * 2 ** (k - 2));
  }
  // Failure 1 retries at once: the first reconnect wave is simultaneous (M7, as Consul).
  const firstWave = server.refusedAt.filter((t) => t === 0).length;
  return { rounds, firstWave };
}

/** One line per round: the share of clients in the densest 100 ms window and per 10 % of the range. */
function report(label: string, rounds: readonly Round[]): string {
  return rounds
    .map(({ k, base, waits }) => {
      const bins = Array.from({ length: 10 }, () => 0);
      for (const w of waits) bins[Math.min(9, Math.floor(((w - base) / base) * 10))]!++;
      const densest = (densestWindow(waits, 100) * 100).toFixed(1);
      return `${label} k=${k} waits ${Math.min(...waits)}..${Math.max(...waits)} ms, densest 100 ms window ${densest}%, deciles [${bins.join(" ")}]`;
    })
    .join("\n");
}

/**
 * The spread every round must show. Bounds sized so a uniform draw cannot miss them (each is
 * more than 6 standard deviations away), while waits without jitter fail every one.
 */
function expectSpread(rounds: readonly Round[]): void {
  for (const { k, base, waits } of rounds) {
    // Within the schedule: [base, 2·base).
    expect(Math.min(...waits), `k=${k}`).toBeGreaterThanOrEqual(base);
    expect(Math.max(...waits), `k=${k}`).toBeLessThan(2 * base);
    // No tenth of the range holds more than twice its share (expected 100 of 1,000; sd 9.5).
    const bins = Array.from({ length: 10 }, () => 0);
    for (const w of waits) bins[Math.min(9, Math.floor(((w - base) / base) * 10))]!++;
    expect(Math.max(...bins), `k=${k} densest tenth`).toBeLessThanOrEqual(200);
    expect(Math.min(...bins), `k=${k} emptiest tenth`).toBeGreaterThanOrEqual(40);
    // A 100 ms window holds at most 100 ms / base of the clients, plus a margin.
    const share = densestWindow(waits, 100);
    expect(share, `k=${k} densest 100 ms window`).toBeLessThanOrEqual(
      Math.min(1, 100 / base) + 0.1,
    );
  }
  // Once the range spans 1.6 s (k = 5), no 100 ms window holds more than 12.5 % of the clients.
  for (const { waits } of rounds.filter((r) => r.base >= 1_600)) {
    expect(densestWindow(waits, 100)).toBeLessThanOrEqual(0.125);
  }
}

describe("SPEC M7: 1,000 clients after a server restart", () => {
  test("seeded random (one registry, 1,000 views): every round's waits are spread over [base, 2·base)", {
    timeout: 60_000,
  }, async () => {
    const { rounds, firstWave } = await restartWith(1, { random: seededRandom(2026) });
    console.info(`seeded: ${firstWave} reconnect attempts at t=0 (failure 1 retries at once)`);
    console.info(report("seeded", rounds));
    expectSpread(rounds);
    expect(firstWave).toBe(CLIENTS);
  });

  test("default random source (Math.random, 1,000 registries): the same spread, with bounds a uniform draw cannot miss", {
    timeout: 60_000,
  }, async () => {
    const { rounds } = await restartWith(CLIENTS, undefined);
    console.info(report("Math.random", rounds));
    expectSpread(rounds);
  });
});
