import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

/** Tests import the package's public entry points; these map them onto the sources. */
export const alias = [
  { find: /^react-submatview\/server\/node$/, replacement: src("node/index.ts") },
  {
    find: /^react-submatview\/(core|server|gen|tanstack|testing|devtools)$/,
    replacement: src("$1/index.ts"),
  },
  { find: /^react-submatview$/, replacement: src("react/index.ts") },
];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "node",
          include: ["test/**/*.test.ts"],
          environment: "node",
          // The buffer-memory test (SPEC S4) forces collections.
          execArgv: ["--expose-gc"],
        },
      },
      {
        resolve: { alias },
        test: {
          name: "jsdom",
          include: ["test/**/*.test.tsx", "examples/**/*.test.tsx"],
          environment: "jsdom",
          setupFiles: ["test/support/setup-dom.ts"],
        },
      },
    ],
  },
});
