/**
 * Issue 7 item 2, SPEC M3/M5/M6/P5: property-based fuzzing of the client with generated wire
 * sequences — snapshots (single and batched), resumes and stale resumes, live transactions,
 * resets (Aborted), clean ends and drops, with injected framing faults, index regressions,
 * mixed-index and half-rejected batches, unknown and foreign payloads, and corrupted bytes.
 * The bounded CI form: many sequences in memory, a sample over real HTTP from the raw server
 * (Connect over HTTP/1.1, gRPC over h2c, Connect over fetch). `npm run soak` runs the large
 * form (soak/malformed.ts).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { arbSequence } from "../support/fuzz-model.js";
import { type HttpTarget, runInMemory, runOverHttp } from "../support/fuzz-run.js";
import { fuzzTransports } from "../support/fuzz-transports.js";
import { type RawServer, startRawServer } from "../support/raw-server.js";
import { trackUncaught } from "../support/reliability.js";

const IN_MEMORY_RUNS = 400;
const HTTP_RUNS = 15;

describe("SPEC M5/M6: fuzzed wire sequences never show a mixed view and always recover", () => {
  test(`${IN_MEMORY_RUNS} generated sequences in memory`, { timeout: 20_000 }, async () => {
    const uncaught = trackUncaught();
    try {
      await fc.assert(
        fc.asyncProperty(arbSequence, async (sequence) => {
          const { violations } = await runInMemory(sequence);
          expect(violations).toEqual([]);
        }),
        { numRuns: IN_MEMORY_RUNS },
      );
    } finally {
      uncaught.stop();
    }
    expect(uncaught.errors).toEqual([]);
  });

  describe.each(fuzzTransports.map((t) => [t.name, t] as const))(
    "%s from the raw server",
    (_name, t) => {
      let target: HttpTarget;
      let server: RawServer;
      beforeAll(async () => {
        server = await startRawServer(t.httpVersion, (request) => target.script(request));
        target = { server, script: () => ({ frames: [], ending: { cut: "destroy" } }) };
      });
      afterAll(() => server.close());

      test(`${HTTP_RUNS} generated sequences over real HTTP`, { timeout: 20_000 }, async () => {
        const transport = t.make(server.url);
        const uncaught = trackUncaught();
        try {
          await fc.assert(
            fc.asyncProperty(arbSequence, async (sequence) => {
              const { violations } = await runOverHttp(sequence, target, transport);
              expect(violations).toEqual([]);
            }),
            { numRuns: HTTP_RUNS },
          );
        } finally {
          uncaught.stop();
        }
        expect(uncaught.errors).toEqual([]);
      });
    },
  );
});
