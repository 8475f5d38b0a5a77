/** A view's status pill: live, connecting, reconnecting (keeping its data) or failed. */
import type { MaterializerStatus } from "react-submatview";

export function ViewStatus(props: {
  status: MaterializerStatus;
  index: bigint;
  resets?: number;
  error?: Error | undefined;
}) {
  return (
    <span className="view-status">
      <span className={`pill pill-${props.status}`} data-status={props.status}>
        {props.status}
      </span>
      <span className="muted">
        index <b data-index={props.index.toString()}>{props.index.toString()}</b>
        {props.resets ? ` · ${props.resets} reset${props.resets === 1 ? "" : "s"}` : ""}
      </span>
      {props.error && (
        <span className="error-note" title={props.error.message}>
          {props.status === "failed" ? "failed" : "retrying"}: {props.error.message}
        </span>
      )}
    </span>
  );
}
