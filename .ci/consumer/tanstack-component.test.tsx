// Install check (issue 8 item 5): the README's TanStack Query example, from the packed tarball:
// a QueryClientProvider and a MaterializerProvider above, the registry from
// useMaterializerRegistry() (root entry), the options from react-submatview/tanstack (SPEC Q1).
import { createRouterTransport } from "@connectrpc/connect";
import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import { cleanup, render, screen } from "@testing-library/react";
import {
  MaterializerProvider,
  serviceHealthRequest,
  useMaterializerRegistry,
} from "react-submatview";
import { StateChangeSubscription } from "react-submatview/gen";
import { createSubscribeService, EventPublisher, HealthCatalog } from "react-submatview/server";
import { materializedViewQueryOptions } from "react-submatview/tanstack";
import { afterEach, test } from "vitest";

afterEach(cleanup);

function WebCount() {
  const registry = useMaterializerRegistry();
  const { data } = useQuery(
    materializedViewQueryOptions(serviceHealthRequest({ service: "web" }), { registry }),
  );
  return <p>{data?.nodes.length ?? "…"} instances</p>;
}

test("SPEC Q1: useQuery over the shared view follows live updates", async () => {
  const publisher = new EventPublisher();
  const catalog = new HealthCatalog(publisher);
  catalog.register({ node: "n1", service: "web", id: "web-1" });
  const transport = createRouterTransport(({ service }) => {
    service(StateChangeSubscription, createSubscribeService(publisher));
  });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={queryClient}>
      <MaterializerProvider transport={transport} idleTtlMs={0}>
        <WebCount />
      </MaterializerProvider>
    </QueryClientProvider>,
  );
  await screen.findByText("1 instances");
  catalog.register({ node: "n2", service: "web", id: "web-2" });
  await screen.findByText("2 instances");
  cleanup();
  queryClient.clear();
});
