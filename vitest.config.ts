import { fileURLToPath } from "node:url";
import { storybookTest } from "@storybook/addon-vitest/vitest-plugin";
import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from "vitest/config";
import { chromiumAvailable, chromiumProvider } from "./test/browser/chromium.js";
import { serverCommands } from "./test/browser/servers.js";

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

/** Whether Debian's Chromium is here: the browser projects (stories, test/browser) run only then. */
const withChromium = chromiumAvailable();

/** Every story of .storybook/main.ts renders in Chromium and its play function passes. */
const storybook = (): TestProjectInlineConfiguration => ({
  resolve: { alias },
  plugins: [storybookTest({ configDir: fileURLToPath(new URL("./.storybook", import.meta.url)) })],
  // Pre-bundled up front: a dependency found mid-run reloads the page under a running story.
  optimizeDeps: { include: ["@tanstack/react-query", "react-dom/client"] },
  test: {
    name: "storybook",
    testTimeout: 20_000,
    browser: {
      enabled: true,
      headless: true,
      provider: chromiumProvider(),
      instances: [{ browser: "chromium" }],
      screenshotFailures: false,
    },
  },
});

/**
 * React, the hooks and the registry in real Chromium against the package's server on
 * 127.0.0.1 (started by the globalSetup, driven by the commands): test/browser/.
 */
const browser: TestProjectInlineConfiguration = {
  resolve: { alias },
  // Pre-bundled up front: a dependency found mid-run would reload the page under a test.
  optimizeDeps: {
    include: [
      "@bufbuild/protobuf",
      "@connectrpc/connect",
      "@connectrpc/connect-web",
      "@testing-library/react",
      "react",
      "react-dom/client",
      "react/jsx-dev-runtime",
    ],
  },
  test: {
    name: "browser",
    include: ["test/browser/**/*.test.tsx"],
    globalSetup: ["test/browser/global-setup.ts"],
    setupFiles: ["test/support/setup-dom.ts"],
    // Timing assertions (how soon a view is live again) stay meaningful one file at a time.
    fileParallelism: false,
    testTimeout: 20_000,
    browser: {
      enabled: true,
      headless: true,
      provider: chromiumProvider(),
      instances: [{ browser: "chromium" }],
      commands: serverCommands,
      screenshotFailures: false,
    },
  },
};

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
          exclude: [...configDefaults.exclude, "test/browser/**"],
          environment: "jsdom",
          setupFiles: ["test/support/setup-dom.ts"],
        },
      },
      ...(withChromium ? [storybook(), browser] : []),
    ],
  },
});
