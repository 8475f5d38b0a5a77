/**
 * Test defaults (SPEC T3): a registry for one test or story — idle TTL 0, immediate retries,
 * timers it can clear — that leaves nothing running after unmount or `dispose()`.
 */
import type { Transport } from "@connectrpc/connect";
import {
  type Logger,
  MaterializerRegistry,
  type MaterializerRegistryOptions,
  type Timers,
} from "../core/index.js";

/**
 * Timers that look the global `setTimeout` up at call time (so `vi.useFakeTimers()` and
 * jest's fake timers apply), run 0 ms timers in a microtask (an idle TTL of 0 then evicts right
 * after a StrictMode remount, with real and fake timers alike), and can all be cleared at once.
 */
export class TestTimers implements Timers {
  readonly #pending = new Set<{ cancelled: boolean; handle?: unknown }>();

  setTimeout(callback: () => void, ms: number): unknown {
    const timer: { cancelled: boolean; handle?: unknown } = { cancelled: false };
    this.#pending.add(timer);
    const fire = () => {
      this.#pending.delete(timer);
      if (!timer.cancelled) callback();
    };
    if (ms <= 0) queueMicrotask(fire);
    else {
      timer.handle = globalThis.setTimeout(fire, ms);
      // A pending backoff or grace timer must not keep a Node test process alive.
      (timer.handle as { unref?: () => void }).unref?.();
    }
    return timer;
  }

  clearTimeout(timer: unknown): void {
    const t = timer as { cancelled: boolean; handle?: unknown };
    t.cancelled = true;
    this.#pending.delete(t);
    if (t.handle !== undefined) globalThis.clearTimeout(t.handle as ReturnType<typeof setTimeout>);
  }

  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Clears every pending timer. */
  clearAll(): void {
    for (const timer of [...this.#pending]) this.clearTimeout(timer);
  }
}

/** Options of {@link createTestRegistry}: any registry option, overriding the test defaults. */
export type TestRegistryOptions = Partial<MaterializerRegistryOptions> & {
  readonly logger?: Logger;
};

/**
 * The retry policy of test registries: the first 3 consecutive failures retry at once (no
 * timer, so scripted drops and resets work the same with fake and real timers), later ones back
 * off from 10 ms without jitter, so a server that fails forever cannot spin a test.
 */
export const TEST_RETRY = { minFailures: 3, factorMs: 10, maxWaitMs: 1_000, jitterPercent: 0 };

/**
 * A registry for one test (TanStack's "a fresh client per test, retries off"): idle TTL 0 (a
 * view closes its stream as soon as the last component unmounts), {@link TEST_RETRY} and
 * {@link TestTimers}. Dispose it at the end of the test; the kit's servers do that for you.
 *
 * @example
 * ```ts
 * const registry = createTestRegistry(transport);
 * afterEach(() => registry.dispose());
 * ```
 */
export function createTestRegistry(
  transport: Transport,
  options: TestRegistryOptions = {},
): MaterializerRegistry {
  const timers = options.timers ?? new TestTimers();
  return new MaterializerRegistry({
    transport,
    idleTtlMs: 0,
    timers,
    ...options,
    retry: { timers, ...TEST_RETRY, ...options.retry },
  });
}
