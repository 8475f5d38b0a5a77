/**
 * Teardown checks shared by the fault soak and the leak tests (SPEC R4, R6, S4, S8): once every
 * consumer let go and the idle TTL elapsed, no registry keeps an entry, a reference, a
 * listener, a stream or a timer, and no server keeps a subscription, buffer or cached snapshot.
 */
import type { MaterializerRegistry } from "react-submatview/core";
import type { FaultWorld } from "./fault-world.js";
import type { SplitTimers } from "./split-timers.js";

/** Rejects after `ms` naming `what`: a step that would hang on a bug fails, bounded. */
export function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what()}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * What is left once every consumer released its registries: references and listeners first,
 * then (after the TTL fires) entries, streams and timers, then the server side. Returns a
 * description per leak; empty when nothing is left.
 */
export async function leftovers(
  registries: Readonly<Record<string, MaterializerRegistry>>,
  timers: Readonly<Record<string, SplitTimers>>,
  world: FaultWorld,
): Promise<string[]> {
  const leaks: string[] = [];
  for (const [name, registry] of Object.entries(registries)) {
    const s = registry.stats();
    if (s.refs !== 0 || s.listeners !== 0)
      leaks.push(`${name}: ${s.refs} refs, ${s.listeners} listeners`);
  }
  for (const t of Object.values(timers)) t.expire();
  await tick();
  for (const [name, registry] of Object.entries(registries)) {
    const s = registry.stats();
    if (s.entries !== 0 || s.openStreams !== 0)
      leaks.push(`${name}: ${s.entries} entries, ${s.openStreams} streams`);
    const pending = timers[name]?.pending ?? 0;
    if (pending !== 0) leaks.push(`${name}: ${pending} timers pending`);
  }
  await within(
    Promise.all(world.epochs.map((e) => e.publisher.idle())),
    5_000,
    () => `server subscriptions left: ${JSON.stringify(world.stats())}`,
  ).catch((e: Error) => leaks.push(e.message));
  world.expireCaches();
  const server = world.stats();
  if (server.subscribers || server.buffers || server.cachedSnapshots)
    leaks.push(`server: ${JSON.stringify(server)}`);
  return leaks;
}
