/** A live table of one service's instances, built with `useMaterializedView`. */
import { useMemo } from "react";
import { serviceHealthRequest, useMaterializedView } from "react-submatview";
import { HealthTable } from "./health-table.js";

export interface ServiceHealthTableProps {
  readonly service: string;
  /** ACL token sent with the request (the registry keys it by hash only, SPEC R1). */
  readonly token?: string;
  /** Suspend until the first snapshot (render it inside `<Suspense>`). */
  readonly suspense?: boolean;
}

export function ServiceHealthTable({ service, token, suspense }: ServiceHealthTableProps) {
  const request = useMemo(() => serviceHealthRequest({ service, token }), [service, token]);
  const { data, status, error, isLoading, index, resets } = useMaterializedView(request, {
    suspense,
  });
  return (
    <HealthTable
      title={`Service ${service}`}
      status={status}
      error={error}
      index={index}
      resets={resets}
      loading={isLoading}
      nodes={data?.nodes}
      stale={status !== "live"}
    />
  );
}
