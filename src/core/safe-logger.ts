import type { Logger } from "./types.js";

/**
 * Wraps a user's logger so that a throwing logger never breaks a stream or the registry.
 * Details should carry strings and numbers only (bigint indexes as decimal strings).
 */
export function safeLogger(logger: Logger | undefined): Required<Logger> {
  const call = (level: keyof Logger) => (message: string, details?: Record<string, unknown>) => {
    try {
      logger?.[level]?.(message, details);
    } catch {
      // Logging is best effort.
    }
  };
  return { debug: call("debug"), warn: call("warn"), error: call("error") };
}
