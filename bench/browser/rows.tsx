/**
 * The table every React consumer of the latency page renders (bench/browser/page.tsx): one row
 * per instance, keyed by service ID, its publish time in `data-t` — the same JSX for ours and
 * for the raw React baseline, so the difference between them is not the markup. Counts renders.
 */
import type { CheckServiceNode } from "../../src/gen/index.js";

/** Renders of every table on the page (the page zeroes it when measuring starts). */
export const renders = { count: 0 };

export function Rows({ nodes }: { nodes: readonly CheckServiceNode[] | undefined }) {
  renders.count++;
  return (
    <table>
      <tbody>
        {nodes?.map((n) => (
          <tr key={n.Service?.ID} data-t={n.Node?.Meta.t}>
            <td>{n.Node?.Node}</td>
            <td>{n.Checks[0]?.Status}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
