/**
 * Real Chromium for vitest browser mode (config side): Debian's /usr/bin/chromium (or
 * $CHROMIUM_PATH) driven by the @vitest/browser-playwright provider, which downloads no
 * browser. vitest.config.ts adds the browser project only when the binary exists; under CI a
 * missing Chromium is an error (.ci/run installs it), elsewhere the project is skipped with a
 * message. The Storybook story tests reuse `chromiumProvider()`.
 */
import { existsSync } from "node:fs";
import { playwright } from "@vitest/browser-playwright";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Flags known to work on these machines (root, no GPU, no network of its own). */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The playwright provider on the system Chromium (it ignores certificate errors, for TLS tests). */
export function chromiumProvider() {
  return playwright({ launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS } });
}

/**
 * Whether the browser tests can run: true when Chromium exists. Otherwise prints why they are
 * skipped, or throws under CI, where they must run.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const message =
    `browser tests skipped: no Chromium at ${CHROMIUM_PATH} ` +
    "(apt-get install -y chromium, or set CHROMIUM_PATH)";
  if (process.env.CI) throw new Error(`${message}; CI must run them`);
  console.warn(`\n[react-submatview] ${message}\n`);
  return false;
}
