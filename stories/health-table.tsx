/**
 * The gallery's presentational table of one service's instances: a status line (status, error,
 * index, resyncs) and one `tr` per instance. The hook bindings (live view, TanStack, blocking
 * query) feed it; play functions read its rows.
 */
import type { CheckServiceNode } from "react-submatview/gen";

const statusColor: Record<string, string> = {
  passing: "#1a7f37",
  warning: "#9a6700",
  critical: "#cf222e",
};

export interface HealthTableProps {
  readonly title: string;
  /** What the status line shows: the view's status, or TanStack's. */
  readonly status: string;
  readonly error?: Error | null | undefined;
  readonly index?: bigint;
  readonly resets?: number;
  /** No data yet: shows the loading line instead of the table. */
  readonly loading: boolean;
  readonly nodes: readonly CheckServiceNode[] | undefined;
  /** Dims the rows (data that may be stale). */
  readonly stale?: boolean;
}

export function HealthTable(props: HealthTableProps) {
  const { title, status, error, index, resets = 0, loading, nodes, stale } = props;
  return (
    <section aria-label={title} style={{ fontFamily: "system-ui, sans-serif", maxWidth: 720 }}>
      <header style={{ display: "flex", gap: 12, alignItems: "baseline" }}>
        <h3 style={{ margin: 0 }}>{title}</h3>
        <span data-testid="status" data-status={status}>
          {status}
          {error ? ` — ${error.message}` : ""}
        </span>
        {index === undefined ? null : <small data-testid="index">index {index.toString()}</small>}
        {resets > 0 ? <small data-testid="resets">resynced {resets}×</small> : null}
      </header>
      {loading ? (
        <p data-testid="loading">Loading snapshot…</p>
      ) : (
        <table style={{ borderCollapse: "collapse", width: "100%", opacity: stale ? 0.6 : 1 }}>
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
            {nodes?.map((n) => {
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
