/** The TanStack Query variant: `useMaterializedQuery`, fed by the same registry's stream. */
import { serviceHealthRequest } from "react-submatview";
import { useMaterializedQuery } from "react-submatview/tanstack";
import { InstanceTable } from "./health-table.js";

export function TanStackPanel({ service }: { service: string }) {
  const query = useMaterializedQuery(serviceHealthRequest({ service }));
  const nodes = query.data?.nodes;
  const passing = nodes?.filter((csn) => csn.Checks[0]?.Status === "passing").length ?? 0;
  return (
    <section className="card tanstack" aria-label={`TanStack Query: ${service}`}>
      <h2>
        TanStack Query: <code>{service}</code>
        <small className="muted"> useMaterializedQuery</small>
      </h2>
      <p className="view-status">
        <span className={`pill pill-${query.status}`} data-status={query.status}>
          {query.status}
        </span>
        <span className="muted">
          index <b>{query.data?.index.toString() ?? "–"}</b> · {passing}/{nodes?.length ?? 0}{" "}
          passing · staleTime ∞, pushed by the stream
        </span>
        {query.error && <span className="error-note">{query.error.message}</span>}
      </p>
      <InstanceTable testId="tanstack-table" service={service} nodes={nodes} compact />
      {nodes === undefined && <p className="muted">loading…</p>}
    </section>
  );
}
