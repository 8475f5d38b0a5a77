/**
 * A MaterializerRegistry over a pushable client and manual timers, disposed after each test
 * (SPEC R6), and a wait for an inspection's next notification (devtools tests).
 */
import { MaterializerRegistry } from "react-submatview/core";
import { afterEach } from "vitest";
import { ManualTimers } from "./manual-timers.js";
import { PushableClient } from "./pushable-client.js";

/** Registers the afterEach that disposes the registry; returns the per-test set-up. */
export function registryPerTest() {
  let current: MaterializerRegistry | undefined;
  afterEach(() => {
    current?.dispose();
    current = undefined;
  });
  return (idleTtlMs = 60_000) => {
    const client = new PushableClient();
    const timers = new ManualTimers();
    const registry = new MaterializerRegistry({ client, timers, idleTtlMs });
    current = registry;
    return { client, timers, registry };
  };
}

/** Resolves at the inspection's next notification (bounded by the test's timeout). */
export function nextChange(inspection: {
  subscribe(listener: () => void): () => void;
}): Promise<void> {
  return new Promise((resolve) => {
    const stop = inspection.subscribe(() => {
      stop();
      resolve();
    });
  });
}
