import { fileURLToPath } from "node:url";
import type { StorybookConfig } from "@storybook/react-vite";

const src = (path: string) => fileURLToPath(new URL(`../src/${path}`, import.meta.url));

const config: StorybookConfig = {
  stories: ["../stories/**/*.stories.@(ts|tsx)", "../examples/**/*.stories.@(ts|tsx)"],
  addons: ["@storybook/addon-docs", "@storybook/addon-vitest"],
  framework: { name: "@storybook/react-vite", options: {} },
  // Storybook's default react-docgen (react-docgen-typescript needs the TypeScript JS API,
  // which TypeScript 7 does not ship).
  typescript: { reactDocgen: "react-docgen" },
  core: { disableTelemetry: true },
  viteFinal: (vite) => ({
    ...vite,
    resolve: {
      ...vite.resolve,
      alias: [
        { find: /^react-submatview\/server\/node$/, replacement: src("node/index.ts") },
        {
          find: /^react-submatview\/(core|server|gen|tanstack|testing|devtools)$/,
          replacement: src("$1/index.ts"),
        },
        { find: /^react-submatview$/, replacement: src("react/index.ts") },
      ],
    },
  }),
};
export default config;
