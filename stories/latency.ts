/**
 * A delaying transport for the stories' latency control: the stream opens `ms` late and each
 * message (and the stream's end or error) arrives `ms` after the server sent it, in order and
 * pipelined, as over a slow network — the throughput stays the server's.
 */
import type { Transport } from "@connectrpc/connect";

/** Wraps `transport` so streams see `ms` of latency; `ms <= 0` returns it unchanged. */
export function withLatency(transport: Transport, ms: number): Transport {
  if (ms <= 0) return transport;
  return {
    unary: async (method, signal, timeoutMs, header, input, contextValues) => {
      await delay(ms);
      return transport.unary(method, signal, timeoutMs, header, input, contextValues);
    },
    stream: async (method, signal, timeoutMs, header, input, contextValues) => {
      await delay(ms);
      const response = await transport.stream(
        method,
        signal,
        timeoutMs,
        header,
        input,
        contextValues,
      );
      return { ...response, message: delayed(response.message, ms) };
    },
  };
}

type Arrival<T> = { readonly due: number } & (
  | { readonly result: IteratorResult<T> }
  | { readonly error: unknown }
);

/** Yields `source`'s items, each `ms` after it arrived; reads ahead so delays overlap. */
async function* delayed<T>(source: AsyncIterable<T>, ms: number): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const queue: Arrival<T>[] = [];
  let wake: (() => void) | undefined;
  const arrive = (arrival: Arrival<T>) => {
    queue.push(arrival);
    wake?.();
    wake = undefined;
  };
  void (async () => {
    for (;;) {
      try {
        const result = await iterator.next();
        arrive({ due: Date.now() + ms, result });
        if (result.done) return;
      } catch (error) {
        arrive({ due: Date.now() + ms, error });
        return;
      }
    }
  })();
  try {
    for (;;) {
      const head = queue.shift();
      if (!head) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      await delay(head.due - Date.now());
      if ("error" in head) throw head.error;
      if (head.result.done) return;
      yield head.result.value;
    }
  } finally {
    // The reader stops too: the client went away (its signal also ends the source).
    Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
