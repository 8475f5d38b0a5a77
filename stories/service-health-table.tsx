import {
  type MaterializedRequest,
  type ServiceHealthResult,
  useMaterializedView,
} from "react-submatview";

const statusColor: Record<string, string> = {
  passing: "#1a7f37",
  warning: "#9a6700",
  critical: "#cf222e",
};

/** A live table of one service's instances, built with `useMaterializedView`. */
export function ServiceHealthTable({
  request,
  title,
}: {
  request: MaterializedRequest<ServiceHealthResult>;
  title: string;
}) {
  const { data, status, error, isLoading, index, resets } = useMaterializedView(request);
  return (
    <section style={{ fontFamily: "system-ui, sans-serif", maxWidth: 720 }}>
      <header style={{ display: "flex", gap: 12, alignItems: "baseline" }}>
        <h3 style={{ margin: 0 }}>{title}</h3>
        <span data-testid="status" data-status={status}>
          {status}
          {error ? ` — ${error.message}` : ""}
        </span>
        <small data-testid="index">index {index.toString()}</small>
        {resets > 0 ? <small>resynced {resets}×</small> : null}
      </header>
      {isLoading ? (
        <p data-testid="loading">Loading snapshot…</p>
      ) : (
        <table
          style={{
            borderCollapse: "collapse",
            width: "100%",
            opacity: status === "live" ? 1 : 0.6,
          }}
        >
          <thead>
            <tr>
              <th align="left">node</th>
              <th align="left">instance</th>
              <th align="left">address</th>
              <th align="left">tags</th>
              <th align="left">status</th>
            </tr>
          </thead>
          <tbody>
            {data?.nodes.map((n) => {
              const check = n.Checks[0]?.Status ?? "unknown";
              return (
                <tr key={`${n.Node?.Node}/${n.Service?.ID}`} data-testid="row">
                  <td>{n.Node?.Node}</td>
                  <td>{n.Service?.ID}</td>
                  <td>
                    {n.Service?.Address}:{n.Service?.Port}
                  </td>
                  <td>{n.Service?.Tags.join(", ")}</td>
                  <td style={{ color: statusColor[check] }}>{check}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
