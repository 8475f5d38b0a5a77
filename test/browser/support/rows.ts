/**
 * One comparable line per instance, `serviceID@node:status`, computed the same way from a
 * view in the browser and from the server's catalog in Node, so a test can say "the view
 * matches the server".
 */
import type { CheckServiceNode } from "react-submatview/gen";

export function rowOf(node: CheckServiceNode): string {
  const status = node.Checks.map((c) => c.Status).join(",");
  return `${node.Service?.ID}@${node.Node?.Node}:${status}`;
}

/** Rows in a canonical order (the view sorts by node, the catalog by insertion). */
export function rowsOf(nodes: readonly CheckServiceNode[]): string[] {
  return nodes.map(rowOf).sort();
}
