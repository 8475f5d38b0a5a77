import { createRouterTransport } from "@connectrpc/connect";
import { MaterializerRegistry, type StreamClient } from "react-submatview/core";
import { StateChangeSubscription } from "react-submatview/gen";
import { createSubscribeService, EventPublisher, HealthCatalog } from "react-submatview/server";

/**
 * A whole datacenter in the browser: the real EventPublisher and HealthCatalog behind Connect's
 * in-memory router transport, and a registry over it. No server needed.
 */
export interface DemoEnvironment {
  readonly publisher: EventPublisher;
  readonly catalog: HealthCatalog;
  readonly registry: MaterializerRegistry;
  /** Starts churn; returns the stop function. */
  churn(perSecond: number): () => void;
}

export function createDemoEnvironment(
  options: { services?: number; instancesPerService?: number; seed?: number } = {},
): DemoEnvironment {
  const publisher = new EventPublisher();
  const catalog = new HealthCatalog(publisher);
  catalog.populate({
    services: options.services ?? 4,
    instancesPerService: options.instancesPerService ?? 5,
    seed: options.seed ?? 1,
  });
  const transport = createRouterTransport(({ service }) => {
    service(StateChangeSubscription, createSubscribeService(publisher));
  });
  const registry = new MaterializerRegistry({ transport });
  return { publisher, catalog, registry, churn: (perSecond) => catalog.startChurn(perSecond) };
}

/** A registry whose stream never answers: the view stays in its loading state. */
export function createStalledRegistry(): MaterializerRegistry {
  const client: StreamClient = {
    subscribe: (_request, { signal }) => ({
      [Symbol.asyncIterator]: () => ({
        next: () =>
          new Promise((_resolve, reject) => {
            signal.addEventListener("abort", () => reject(signal.reason), { once: true });
          }),
      }),
    }),
  };
  return new MaterializerRegistry({ client });
}

/**
 * A registry over a demo datacenter whose stream drops right after the snapshot and then
 * cannot reconnect (the retry waits a minute): the last data stays visible, marked reconnecting.
 */
export function createFlakyRegistry(environment: DemoEnvironment): MaterializerRegistry {
  const transport = createRouterTransport(({ service }) => {
    service(StateChangeSubscription, {
      async *subscribe(request, context) {
        const inner = createSubscribeService(environment.publisher).subscribe(request, context);
        for await (const event of inner as AsyncIterable<import("react-submatview/gen").Event>) {
          yield event;
          if (event.Payload.case === "EndOfSnapshot") break;
        }
        const { Code, ConnectError } = await import("@connectrpc/connect");
        throw new ConnectError("connection to the server was lost", Code.Unavailable);
      },
    });
  });
  return new MaterializerRegistry({ transport, retry: { minFailures: 0, factorMs: 60_000 } });
}
