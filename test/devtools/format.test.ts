/** The inspector's idle column (SPEC R4): in use, a countdown, or kept for an Infinity TTL. */
import type { RegistryEntrySnapshot } from "react-submatview/core";
import { describe, expect, test } from "vitest";
import { formatIdle } from "../../src/devtools/format.js";

const at = (idleExpiresAt: number | null) => ({ idleExpiresAt }) as RegistryEntrySnapshot;

describe("formatIdle", () => {
  test("in use, a countdown, and 'kept' for an idle TTL of Infinity (not 'Infinitym NaNs')", () => {
    expect(formatIdle(at(null), 0)).toBe("in use");
    expect(formatIdle(at(299_001), 0)).toBe("5m 00s");
    expect(formatIdle(at(12_000), 0)).toBe("12s");
    expect(formatIdle(at(Number.POSITIVE_INFINITY), 0)).toBe("kept");
  });
});
