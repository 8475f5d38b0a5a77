/**
 * `npm run bench:size` (CI): bundle sizes are exact, so unlike speed they can gate a build.
 * Fails when the root entry's own code, the provider + hook import, or the realistic app
 * import (all-in) grows past bench/size-budget.json.
 */
import { readFileSync } from "node:fs";
import { measure, PEERS, REACT } from "./lib/bundle-size.js";

const budget = JSON.parse(
  readFileSync(new URL("size-budget.json", import.meta.url), "utf8"),
) as Record<string, number>;
const root = "./src/react/index.ts";
const sizes: Record<string, number> = {
  "provider + hook, own code": (
    await measure(`export { MaterializerProvider, useMaterializedView } from "${root}";`, PEERS)
  ).gzip,
  "root entry, own code": (await measure(`export * from "${root}";`, PEERS)).gzip,
  "realistic app import, all-in": (
    await measure(
      `export { MaterializerProvider, useMaterializedView, serviceHealthRequest } from "${root}";
export { createConnectTransport } from "@connectrpc/connect-web";`,
      REACT,
    )
  ).gzip,
};
let over = false;
for (const [name, bytes] of Object.entries(sizes)) {
  const limit = budget[name];
  if (limit === undefined) throw new Error(`no budget for "${name}" in bench/size-budget.json`);
  const ok = bytes <= limit;
  over ||= !ok;
  console.log(`${ok ? "ok  " : "OVER"} ${name}: ${bytes} B gzip (budget ${limit} B)`);
}
if (over) {
  console.error(
    "bundle size over budget: shrink it, or raise bench/size-budget.json with a reason",
  );
  process.exit(1);
}
