/** The health of one service's instances (the ServiceHealth topic), as table rows. */

import { serviceHealthRequest, uniqueId, useMaterializedView } from "react-submatview";
import type { CheckServiceNode } from "react-submatview/gen";
import { ViewStatus } from "./view-status.js";

export function HealthTable({ service }: { service: string }) {
  const { data, index, status, error, resets, isLoading } = useMaterializedView(
    serviceHealthRequest({ service }),
  );
  return (
    <section className="card health" aria-label={`Health of ${service}`}>
      <h2>
        Health of <code>{service}</code>
        <small className="muted"> useMaterializedView</small>
      </h2>
      <ViewStatus status={status} index={index} resets={resets} error={error} />
      <InstanceTable testId="health-table" service={service} nodes={data?.nodes} />
      {isLoading && <p className="muted">loading the first snapshot…</p>}
    </section>
  );
}

/** Instances as rows: ID, node, address, check status, tags (sorted as the view sorts them). */
export function InstanceTable(props: {
  testId: string;
  service: string;
  nodes: readonly CheckServiceNode[] | undefined;
  compact?: boolean;
}) {
  return (
    <table className="instances" data-testid={props.testId} data-service={props.service}>
      <thead>
        <tr>
          <th scope="col">Instance</th>
          <th scope="col">Node</th>
          {!props.compact && <th scope="col">Address</th>}
          <th scope="col">Status</th>
          {!props.compact && <th scope="col">Tags</th>}
        </tr>
      </thead>
      <tbody>
        {props.nodes?.map((csn) => {
          const id = csn.Service?.ID ?? "";
          const health = csn.Checks[0]?.Status ?? "unknown";
          const tags = csn.Service?.Tags ?? [];
          return (
            <tr
              key={uniqueId(csn)}
              data-id={id}
              data-node={csn.Node?.Node}
              data-status={health}
              data-tags={tags.join(",")}
            >
              <td>{id}</td>
              <td>{csn.Node?.Node}</td>
              {!props.compact && (
                <td className="mono">
                  {csn.Service?.Address}:{csn.Service?.Port}
                </td>
              )}
              <td>
                <span className={`badge badge-${health}`}>{health}</span>
              </td>
              {!props.compact && (
                <td>
                  {tags.map((tag) => (
                    <span key={tag} className="tag">
                      {tag}
                    </span>
                  ))}
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
