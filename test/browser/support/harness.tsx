/**
 * Browser-side helpers: a registry on connect-web's fetch transport to a real server, with a
 * stream client that records every subscribe attempt, and a component that shows a health
 * view as rows a test can compare with the server's.
 */
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import {
  MaterializerRegistry,
  type RetryWaiterOptions,
  type StreamClient,
  serviceHealthRequest,
  useMaterializedView,
} from "react-submatview";
import { StateChangeSubscription } from "react-submatview/gen";
import { rowsOf } from "./rows.js";

/** One subscribe attempt: when (performance.now()), from which index, whether it failed. */
export interface Attempt {
  readonly at: number;
  readonly index: bigint;
  failed: boolean;
}

/** Marks the attempt failed once its stream throws (the retry waiter is waiting by then). */
async function* watched<T>(attempt: Attempt, stream: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* stream;
  } catch (error) {
    attempt.failed = true;
    throw error;
  }
}

/** A registry on connect-web's transport to `baseUrl`, recording its attempts. */
export function browserRegistry(baseUrl: string, retry?: RetryWaiterOptions) {
  const connect = createClient(
    StateChangeSubscription,
    createConnectTransport({ baseUrl, useBinaryFormat: true }),
  );
  const attempts: Attempt[] = [];
  const client: StreamClient = {
    subscribe(request, options) {
      const attempt = { at: performance.now(), index: request.Index, failed: false };
      attempts.push(attempt);
      return watched(attempt, connect.subscribe(request, options));
    },
  };
  const registry = new MaterializerRegistry({ client, baseUrl, retry, idleTtlMs: 0 });
  return { registry, attempts };
}

/**
 * A live health view: `data-status`, `data-index` and `data-loading` on the section, the
 * error (if any) in a `role="alert"` paragraph, and one `li` per instance (`rowOf`).
 */
export function HealthView({ service }: { service: string }) {
  const { data, status, error, index, isLoading } = useMaterializedView(
    serviceHealthRequest({ service }),
  );
  return (
    <section
      data-testid={service}
      data-status={status}
      data-index={String(index)}
      data-loading={String(isLoading)}
    >
      {error && <p role="alert">{`${error.name}: ${error.message}`}</p>}
      <ul>{data && rowsOf(data.nodes).map((row) => <li key={row}>{row}</li>)}</ul>
    </section>
  );
}

/** The rows a rendered {@link HealthView} shows. */
export function shownRows(section: HTMLElement): string[] {
  return [...section.querySelectorAll("li")].map((li) => li.textContent ?? "");
}
