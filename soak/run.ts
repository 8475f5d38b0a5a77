/**
 * `npm run soak`: the large forms of the reliability tests (issue 7), one part after another.
 * `tsx soak/run.ts` runs every part; `tsx soak/run.ts malformed` only the named ones. Each part
 * prints its figures (for RELIABILITY.md) and returns how many properties failed.
 */
import { runFaultSoak } from "./fault-soak.js";
import { runMalformedSoak } from "./malformed.js";

const parts: Record<string, () => Promise<number>> = {
  malformed: runMalformedSoak,
  fault: runFaultSoak,
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in parts));
if (unknown.length > 0) {
  console.error(
    `unknown soak part(s): ${unknown.join(", ")}; known: ${Object.keys(parts).join(", ")}`,
  );
  process.exit(2);
}
let failed = 0;
for (const [name, run] of Object.entries(parts)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n== soak: ${name}`);
  const started = Date.now();
  failed += await run();
  console.log(`== ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
process.exit(failed === 0 ? 0 : 1);
