// The consumer project's vitest: every *.test.tsx of the fixture, in jsdom, as a user's app
// would run its render tests.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["*.test.tsx"],
    environment: "jsdom",
    testTimeout: 10_000,
  },
});
