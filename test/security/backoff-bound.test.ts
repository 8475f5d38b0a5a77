/**
 * Issue 7 item 4, SPEC M7: with the server down for ten minutes (a closed 127.0.0.1 port, real
 * connection attempts, a virtual clock), the subscribe attempts of each key stay within the
 * retry schedule's bound — failure 1 retries at once, failure k ≥ 2 waits
 * min(200 ms · 2^(k-2), 60 s) plus up to 100 % jitter — and never stop: once the server is
 * back, the next retry gets the snapshot.
 */
import { createClient } from "@connectrpc/connect";
import {
  MaterializerRegistry,
  type MaterializerState,
  type ServiceHealthResult,
  type StreamClient,
  serviceHealthRequest,
} from "react-submatview/core";
import { StateChangeSubscription } from "react-submatview/gen";
import { EventPublisher, HealthCatalog } from "react-submatview/server";
import { type RunningServer, serve } from "react-submatview/server/node";
import { afterEach, describe, expect, test } from "vitest";
import { within } from "../react/tanstack-support.js";
import { deferred } from "../support/deferred.js";
import { refusedPort } from "../support/refused-port.js";
import { createTestTransport } from "../support/server.js";
import {
  attemptsWithin,
  retryDelay,
  seededRandom,
  VirtualClock,
} from "../support/virtual-clock.js";

const DOWN_MS = 10 * 60_000;
const KEYS = ["web", "api", "db"];
/** Attempts that fit in ten minutes when every jitter draw is 0 (the most attempts possible). */
const UPPER = attemptsWithin(DOWN_MS, 0);
/** Attempts that fit when every wait is a full 2 × base (longer than any real wait). */
const LOWER = attemptsWithin(DOWN_MS, 1);

let registry: MaterializerRegistry | undefined;
let running: RunningServer | undefined;
afterEach(async () => {
  registry?.dispose();
  await running?.close();
  registry = undefined;
  running = undefined;
});

/** A real Connect client (node:http) that counts subscribe attempts per subject key. */
function countingClient(baseUrl: string) {
  const real = createClient(StateChangeSubscription, createTestTransport(baseUrl, "connect"));
  const attempts = new Map<string, number>();
  const client: StreamClient = {
    subscribe(request, options) {
      const subject = request.Subject.case === "NamedSubject" ? request.Subject.value.Key : "*";
      attempts.set(subject, (attempts.get(subject) ?? 0) + 1);
      return real.subscribe(request, options);
    },
  };
  return { client, attempts };
}

/**
 * Runs the virtual clock to `horizon`: waits (bounded) until every key is parked on its
 * backoff timer — its attempt really failed on the network — then jumps to the earliest one.
 */
async function runDown(clock: VirtualClock, horizon: number): Promise<void> {
  for (;;) {
    await within(clock.pendingAtLeast(KEYS.length), "every key waiting on its backoff", 10_000);
    const due = clock.nextDue();
    if (due > horizon) return;
    clock.advanceTo(due);
  }
}

async function downForTenMinutes(random: (() => number) | undefined) {
  const port = await refusedPort();
  const url = `http://127.0.0.1:${port}`;
  const { client, attempts } = countingClient(url);
  const clock = new VirtualClock();
  registry = new MaterializerRegistry({
    client,
    timers: clock,
    retry: random ? { random } : undefined,
  });
  const first = deferred<MaterializerState<ServiceHealthResult>>();
  for (const service of KEYS) {
    registry.notify(serviceHealthRequest({ service }), (state) => {
      if (service === "web" && state.index > 0n) first.resolve(state);
    });
  }
  await runDown(clock, DOWN_MS);
  return { port, clock, attempts, first: first.promise };
}

describe("SPEC M7: ten minutes with the server down", () => {
  test(`bound: ${LOWER} ≤ attempts per key ≤ ${UPPER}; zero jitter hits the upper bound with the exact waits`, {
    timeout: 30_000,
  }, async () => {
    const { attempts, clock } = await downForTenMinutes(() => 0);
    for (const key of KEYS) expect(attempts.get(key)).toBe(UPPER);
    // Each key's waits, in order, are exactly the schedule's: 200, 400, … 51 200, 60 000, …
    const waits = clock.set.map((t) => t.ms).filter((_, i) => i % KEYS.length === 0);
    expect(waits).toEqual(waits.map((_, i) => retryDelay(i + 2, 0)));
    expect(UPPER).toBe(19);
    expect(LOWER).toBe(14);
  });

  test("seeded jitter: attempts per key within the bound; once the server is back the next retry gets the snapshot", {
    timeout: 30_000,
  }, async () => {
    const { attempts, clock, port, first } = await downForTenMinutes(seededRandom(7));
    const counted = KEYS.map((key) => attempts.get(key) ?? 0);
    for (const n of counted) {
      expect(n).toBeGreaterThanOrEqual(LOWER);
      expect(n).toBeLessThanOrEqual(UPPER);
    }
    console.info(
      `M7 bound, seeded jitter: attempts per key ${counted.join(", ")} in 10 min (bound ${LOWER}..${UPPER})`,
    );
    // It keeps trying: the server comes back on the same port, the next retry (≤ 2 min) subscribes.
    const publisher = new EventPublisher();
    new HealthCatalog(publisher).register({ node: "n1", service: "web", id: "web-1" });
    running = await serve({ publisher, port });
    clock.advanceTo(clock.nextDue());
    const state = await within(first, "the snapshot once the server is back", 10_000);
    expect(state.value?.nodes.map((n) => n.Service?.ID)).toEqual(["web-1"]);
    expect(clock.now).toBeLessThanOrEqual(DOWN_MS + 120_000);
  });

  test("the default random source (Math.random) stays within the same bound", {
    timeout: 30_000,
  }, async () => {
    const { attempts } = await downForTenMinutes(undefined);
    for (const key of KEYS) {
      expect(attempts.get(key)).toBeGreaterThanOrEqual(LOWER);
      expect(attempts.get(key)).toBeLessThanOrEqual(UPPER);
    }
  });
});
