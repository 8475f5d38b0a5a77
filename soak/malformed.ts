/**
 * The large form of the malformed-input fuzzer (issue 7 item 2): SOAK_MALFORMED_RUNS generated
 * sequences (default 10,000) through a Materializer in memory, then SOAK_MALFORMED_HTTP_RUNS
 * (default 250) from the raw server over each of Connect (HTTP/1.1), gRPC (h2c) and Connect
 * over fetch (connect-web). Prints the sequences, streams and bad inputs by kind, and any
 * shrunk counterexample with its seed.
 */
import fc from "fast-check";
import { arbSequence, type Sequence } from "../test/support/fuzz-model.js";
import {
  type HttpTarget,
  type RunReport,
  runInMemory,
  runOverHttp,
} from "../test/support/fuzz-run.js";
import { fuzzTransports } from "../test/support/fuzz-transports.js";
import { startRawServer } from "../test/support/raw-server.js";
import { trackUncaught } from "../test/support/reliability.js";

const runs = Number(process.env.SOAK_MALFORMED_RUNS ?? 10_000);
const httpRuns = Number(process.env.SOAK_MALFORMED_HTTP_RUNS ?? 250);
const seed = process.env.SOAK_SEED === undefined ? Date.now() | 0 : Number(process.env.SOAK_SEED);

class Totals {
  sequences = 0;
  streams = 0;
  protocolFaults = 0;
  wireFaults = 0;
  readonly kinds: Record<string, number> = {};
  readonly endings: Record<string, number> = {};

  add(report: RunReport): void {
    this.sequences++;
    this.streams += report.streams;
    this.protocolFaults += report.protocolFaults;
    this.wireFaults += report.wireFaults;
    for (const [k, n] of Object.entries(report.kinds)) this.kinds[k] = (this.kinds[k] ?? 0) + n;
    for (const [k, n] of Object.entries(report.endings))
      this.endings[k] = (this.endings[k] ?? 0) + n;
  }

  print(label: string): void {
    console.log(
      `${label}: ${this.sequences} sequences, ${this.streams} streams, ` +
        `${this.protocolFaults} protocol faults, ${this.wireFaults} corrupted-byte faults`,
    );
    console.log(`  bad inputs by kind: ${JSON.stringify(this.kinds)}`);
    console.log(`  stream endings: ${JSON.stringify(this.endings)}`);
  }
}

/** Runs one property; prints its figures and any counterexample; returns 1 if it failed. */
async function property(
  label: string,
  numRuns: number,
  play: (sequence: Sequence) => Promise<RunReport>,
): Promise<number> {
  const totals = new Totals();
  let lastViolations: string[] = [];
  const result = await fc.check(
    fc.asyncProperty(arbSequence, async (sequence) => {
      const report = await play(sequence);
      totals.add(report);
      lastViolations = report.violations;
      return report.violations.length === 0;
    }),
    { numRuns, seed },
  );
  totals.print(label);
  if (!result.failed) {
    console.log(`  ${result.numRuns} runs passed (seed ${seed})`);
    return 0;
  }
  console.log(
    `  FAILED after ${result.numRuns} runs (seed ${seed}, path ${result.counterexamplePath})`,
  );
  console.log(`  counterexample: ${fc.stringify(result.counterexample)}`);
  console.log(`  violations: ${JSON.stringify(lastViolations, null, 2)}`);
  return 1;
}

export async function runMalformedSoak(): Promise<number> {
  const uncaught = trackUncaught();
  let failed = await property("in memory", runs, runInMemory);
  for (const t of fuzzTransports) {
    const target: HttpTarget = {
      server: await startRawServer(t.httpVersion, (request) => target.script(request)),
      script: () => ({ frames: [], ending: { cut: "destroy" } }),
    };
    const transport = t.make(target.server.url);
    failed += await property(t.name, httpRuns, (s) => runOverHttp(s, target, transport));
    await target.server.close();
  }
  uncaught.stop();
  console.log(`uncaught errors: ${uncaught.errors.length}`);
  for (const error of uncaught.errors.slice(0, 5)) console.log(`  ${String(error)}`);
  return failed + (uncaught.errors.length > 0 ? 1 : 0);
}
