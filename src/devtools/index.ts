/**
 * `react-submatview/devtools`: the registry's snapshot API (`inspectRegistry(registry)`, which
 * replaces `registry.inspect()` / `registry.subscribeInspect`) and the registry inspector built
 * on it (issue 9). A separate entry: the root entry never imports it, so apps that do not
 * inspect ship none of it (issue 10).
 */

export type { RegistryEntrySnapshot, RegistrySnapshot } from "../core/index.js";
export { formatIdle, tokenLabel } from "./format.js";
export type { RegistryInspection } from "./registry-inspection.js";
export { inspectRegistry } from "./registry-inspection.js";
export type { RegistryInspectorProps } from "./registry-inspector.js";
export { RegistryInspector } from "./registry-inspector.js";
export { useRegistrySnapshot } from "./use-registry-snapshot.js";
