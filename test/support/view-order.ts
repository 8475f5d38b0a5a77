/**
 * A service's instances in ServiceHealthView's order (node name, then service ID, by UTF-8
 * bytes): what a consistency test compares a view's rows with (SPEC V2).
 */
import { compareBytes } from "react-submatview/core";
import type { CheckServiceNode } from "react-submatview/gen";

export function inViewOrder(nodes: CheckServiceNode[]): CheckServiceNode[] {
  return nodes.sort(
    (a, b) =>
      compareBytes(a.Node?.Node ?? "", b.Node?.Node ?? "") ||
      compareBytes(a.Service?.ID ?? "", b.Service?.ID ?? ""),
  );
}
