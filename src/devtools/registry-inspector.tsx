/** RegistryInspector: a live table of a registry's entries (issue 9 item 2). */
import { useEffect, useState } from "react";
import type { MaterializerRegistry, RegistryEntrySnapshot } from "../core/index.js";
import { formatIdle, tokenLabel } from "./format.js";
import { useRegistrySnapshot } from "./use-registry-snapshot.js";

export interface RegistryInspectorProps {
  /** The registry to show; default: the nearest `MaterializerProvider`'s. */
  readonly registry?: MaterializerRegistry;
  /** Class of the outer `<section>` (the table inside has class `rsv-inspector-table`). */
  readonly className?: string;
  /** Heading above the table; default "Registry". */
  readonly title?: string;
}

/**
 * Lists every entry of a registry, live: request (topic, subject), subscribers (references),
 * status, index, events applied, resets, idle TTL left, last error. Tokens never appear: only
 * whether one is set and the first characters of its hash (SPEC R1). Rows are `<tr>` elements
 * with `data-topic`, `data-subject` and `data-status`. Unstyled apart from class names
 * (`rsv-inspector`, `rsv-status-<status>`); the demo's stylesheet shows one way to style it.
 *
 * @example
 * ```tsx
 * import { RegistryInspector } from "react-submatview/devtools";
 *
 * <MaterializerProvider transport={transport}>
 *   <App />
 *   <RegistryInspector />
 * </MaterializerProvider>
 * ```
 */
export function RegistryInspector(props: RegistryInspectorProps) {
  const entries = useRegistrySnapshot(props.registry);
  const now = useIdleClock(entries.some((entry) => entry.idleExpiresAt !== null));
  return (
    <section className={props.className ?? "rsv-inspector"} aria-label="Registry inspector">
      <h2>
        {props.title ?? "Registry"}{" "}
        <small>
          {entries.length} {entries.length === 1 ? "entry" : "entries"}
        </small>
      </h2>
      <table className="rsv-inspector-table">
        <thead>
          <tr>
            <th scope="col">Topic</th>
            <th scope="col">Subject</th>
            <th scope="col">Token</th>
            <th scope="col">Subscribers</th>
            <th scope="col">Status</th>
            <th scope="col">Index</th>
            <th scope="col">Events applied</th>
            <th scope="col">Resets</th>
            <th scope="col">Idle TTL</th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          {entries.length === 0 ? (
            <tr>
              <td colSpan={10}>No entries: nothing has asked this registry for a view yet.</td>
            </tr>
          ) : (
            entries.map((entry) => <InspectorRow key={entry.key} entry={entry} now={now} />)
          )}
        </tbody>
      </table>
    </section>
  );
}

function InspectorRow({ entry, now }: { entry: RegistryEntrySnapshot; now: number }) {
  return (
    <tr data-topic={entry.topic} data-subject={entry.subject} data-status={entry.status}>
      <td>{entry.topic}</td>
      <td>
        {entry.subject}
        {entry.datacenter && <small> @{entry.datacenter}</small>}
      </td>
      <td>{tokenLabel(entry)}</td>
      <td>{entry.subscribers}</td>
      <td>
        <span className={`rsv-status rsv-status-${entry.status}`}>{entry.status}</span>
      </td>
      <td>{entry.index}</td>
      <td>{entry.eventsApplied}</td>
      <td>{entry.resets}</td>
      <td>{formatIdle(entry, now)}</td>
      <td className="rsv-error">{entry.lastError ?? ""}</td>
    </tr>
  );
}

/** `Date.now()`, refreshed every second while some entry's idle TTL is counting down. */
function useIdleClock(counting: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!counting) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [counting]);
  return now;
}
