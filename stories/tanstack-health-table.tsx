/**
 * The same table on TanStack Query: `useMaterializedQuery` (SPEC Q1) reads the registry's
 * shared entry, so it shares the stream with `useMaterializedView` users of the request.
 */
import { useMemo } from "react";
import { serviceHealthRequest } from "react-submatview";
import { useMaterializedQuery } from "react-submatview/tanstack";
import { HealthTable } from "./health-table.js";

export function TanStackHealthTable({ service }: { readonly service: string }) {
  const request = useMemo(() => serviceHealthRequest({ service }), [service]);
  const query = useMaterializedQuery(request);
  return (
    <HealthTable
      title={`TanStack Query: ${service}`}
      status={query.status}
      error={query.error}
      index={query.data?.index}
      loading={query.isPending}
      nodes={query.data?.nodes}
    />
  );
}
