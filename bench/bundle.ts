/**
 * Bundle sizes (issue 10 item 2): esbuild, minified, ESM for the browser, gzip -9. "Own code"
 * leaves the peers external (react, protobuf-es, connect, TanStack Query) but counts our
 * generated descriptors; "all-in" bundles protobuf-es and connect too (only React external).
 * The floor is what any connect-web app consuming Consul's Subscribe RPC ships before our code:
 * a connect-web transport and a client for `StateChangeSubscription` (its descriptors). Peers
 * are measured the same way, all-in, React external.
 */
import { measure, PEERS, REACT, type Size } from "./lib/bundle-size.js";
import { type Chart, check, emit, type Figure, figure } from "./lib/figures.js";

export const ENTRY = {
  root: "./src/react/index.ts",
  tanstack: "./src/tanstack/index.ts",
  testing: "./src/testing/index.ts",
  devtools: "./src/devtools/index.ts",
};
const HOOK = `export { MaterializerProvider, useMaterializedView } from "${ENTRY.root}";`;
const APP = `export { MaterializerProvider, useMaterializedView, serviceHealthRequest } from "${ENTRY.root}";
export { createConnectTransport } from "@connectrpc/connect-web";`;
const FLOOR = `import { createClient } from "@connectrpc/connect";
import { StateChangeSubscription } from "./src/gen/index.ts";
export { createConnectTransport } from "@connectrpc/connect-web";
export const client = (t) => createClient(StateChangeSubscription, t);`;

const kB = (bytes: number) => bytes / 1000;
const figures: Figure[] = [];
const root = `export * from "${ENTRY.root}";`;
const own = {
  hook: await measure(HOOK, PEERS),
  /** The same without our generated descriptors (they are part of the floor once connect is in). */
  hookNoGen: await measure(HOOK, [...PEERS, "*/gen/index.js"]),
  root: await measure(root, PEERS),
  tanstack: await measure(`export * from "${ENTRY.tanstack}";`, PEERS),
  testing: await measure(`export * from "${ENTRY.testing}";`, PEERS),
  devtools: await measure(`export * from "${ENTRY.devtools}";`, PEERS),
};
const floor = await measure(FLOOR, REACT);
const allIn = {
  hook: await measure(HOOK, REACT),
  app: await measure(APP, REACT),
  root: await measure(root, REACT),
  tanstack: await measure(`export * from "${ENTRY.tanstack}";`, [
    ...REACT,
    "@tanstack/react-query",
  ]),
};
const peers = {
  "@electric-sql/react useShape": await measure(
    `export { useShape } from "@electric-sql/react";`,
    REACT,
  ),
  "convex/react (provider, client, useQuery)": await measure(
    `export { ConvexProvider, ConvexReactClient, useQuery } from "convex/react";`,
    REACT,
  ),
  "swr/subscription": await measure(`export { default } from "swr/subscription";`, REACT),
  "@tanstack/react-db useLiveQuery": await measure(
    `export { useLiveQuery } from "@tanstack/react-db";`,
    REACT,
  ),
};

/** Bytes (minified, before gzip) our generated code contributes to a bundle. */
const genBytes = (size: Size) =>
  Object.entries(size.inputs)
    .filter(([path]) => path.includes("src/gen/"))
    .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
const reflection = (size: Size) =>
  Object.keys(size.inputs).filter((p) => /to-json|from-json|reflect\/|registry\.js/.test(p));

check(own.hook.gzip > 1000 && allIn.app.gzip > floor.gzip, "sizes are implausible");
check(genBytes(own.hookNoGen) === 0, "the generated descriptors were not left out");

const HOOK_NAME = "MaterializerProvider + useMaterializedView, own code";
figures.push(
  figure(HOOK_NAME, kB(own.hook.gzip), "kB", undefined, { valueAtMost: 5 }),
  figure(`…of which generated descriptors (minified, before gzip)`, kB(genBytes(own.hook)), "kB"),
  figure("…the same without the generated descriptors", kB(own.hookNoGen.gzip), "kB"),
  figure("root entry (everything), own code", kB(own.root.gzip), "kB"),
  figure("/tanstack, own code", kB(own.tanstack.gzip), "kB"),
  figure("/testing, own code", kB(own.testing.gzip), "kB"),
  figure("/devtools, own code", kB(own.devtools.gzip), "kB"),
  figure("floor: connect-web transport + Subscribe client, all-in", kB(floor.gzip), "kB"),
  figure("MaterializerProvider + useMaterializedView, all-in", kB(allIn.hook.gzip), "kB"),
  figure(
    "realistic app import (provider, hook, serviceHealthRequest, connect-web), all-in",
    kB(allIn.app.gzip),
    "kB",
    { name: "floor", value: kB(floor.gzip) },
    { valueAtMost: 30 },
  ),
  figure("root entry (everything), all-in", kB(allIn.root.gzip), "kB"),
  figure("/tanstack, all-in (TanStack Query external)", kB(allIn.tanstack.gzip), "kB"),
  ...Object.entries(peers).map(([name, size]) =>
    figure(`peer: ${name}, all-in`, kB(size.gzip), "kB", {
      name: "our realistic app import",
      value: kB(allIn.app.gzip),
    }),
  ),
);

const charts: Chart[] = [
  {
    kind: "bar",
    file: "bundle-all-in",
    title: "All-in bundle, minified + gzip (React external)",
    unit: "kB",
    target: 30,
    bars: [
      { label: "connect-web + Subscribe client (floor)", value: kB(floor.gzip) },
      { label: "ours: provider + hook", value: kB(allIn.hook.gzip) },
      { label: "ours: realistic app import", value: kB(allIn.app.gzip) },
      ...Object.entries(peers).map(([label, size]) => ({ label, value: kB(size.gzip) })),
    ],
  },
  {
    kind: "bar",
    file: "bundle-own",
    title: "Own code per entry, minified + gzip (peers external)",
    unit: "kB",
    target: 5,
    bars: [
      { label: "provider + hook", value: kB(own.hook.gzip) },
      { label: "provider + hook, descriptors excluded", value: kB(own.hookNoGen.gzip) },
      { label: "root entry (everything)", value: kB(own.root.gzip) },
      { label: "/tanstack", value: kB(own.tanstack.gzip) },
      { label: "/testing", value: kB(own.testing.gzip) },
      { label: "/devtools", value: kB(own.devtools.gzip) },
    ],
  },
];

if (process.env.BENCH_VERBOSE) {
  for (const [name, size] of Object.entries<Size>({ ...own, app: allIn.app })) {
    console.log(name, size.gzip, reflection(size));
    for (const [path, input] of Object.entries(size.inputs)
      .sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)
      .slice(0, 15))
      console.log("   ", input.bytesInOutput, path);
  }
}

emit({
  group: "bundle",
  title: "Bundle size",
  setup:
    "esbuild (minify, ESM, browser), gzip -9. Own code: peers external, our generated descriptors counted. All-in: protobuf-es and connect bundled, React external. Floor: a connect-web transport plus a client for Consul's `StateChangeSubscription` — what any connect-web consumer of this RPC ships. Peers measured the same way, installed from npm. Sizes are exact, not noisy: `npm run bench:size` (in CI) fails when one grows past bench/size-budget.json.",
  figures,
  charts,
});
