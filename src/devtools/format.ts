/** Text of the inspector's cells: the token column and the idle-TTL countdown. */
import type { RegistryEntrySnapshot } from "../core/index.js";

/** "no", or "yes · <first 8 hex of the hash>": the token itself is never shown (SPEC R1). */
export function tokenLabel(entry: RegistryEntrySnapshot): string {
  return entry.hasToken ? `yes · ${entry.tokenHash.slice(0, 8)}` : "no";
}

/** "in use" while referenced; "kept" with no idle TTL; otherwise the TTL left, e.g. "4m 59s". */
export function formatIdle(entry: RegistryEntrySnapshot, now: number): string {
  if (entry.idleExpiresAt === null) return "in use";
  // An idle TTL of Infinity: kept until referenced again or the registry is disposed (R4).
  if (entry.idleExpiresAt === Number.POSITIVE_INFINITY) return "kept";
  const seconds = Math.max(0, Math.ceil((entry.idleExpiresAt - now) / 1000));
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m ${String(seconds % 60).padStart(2, "0")}s` : `${seconds}s`;
}
