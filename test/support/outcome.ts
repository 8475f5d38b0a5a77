/** Bounded promise checks: an outcome once queued work has run, never a hang. */

export type Outcome<T> = { value: T } | { error: unknown } | "pending";

/**
 * Watches `promise` from now on (so a rejection is never unhandled); the returned check gives
 * its outcome once every queued microtask has run (one macrotask later), or "pending".
 */
export function capture<T>(promise: Promise<T>): () => Promise<Outcome<T>> {
  const settled = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  return () =>
    Promise.race([settled, new Promise<"pending">((r) => setImmediate(() => r("pending")))]);
}
