/**
 * `react-submatview/devtools`: the registry inspector (issue 9) on the registry's public
 * snapshot API (`registry.inspect()` / `registry.subscribeInspect`). A separate entry: the root
 * entry never imports it, so apps that do not render it do not ship it.
 */

export type { RegistryEntrySnapshot, RegistrySnapshot } from "../core/index.js";
export { formatIdle, tokenLabel } from "./format.js";
export type { RegistryInspectorProps } from "./registry-inspector.js";
export { RegistryInspector } from "./registry-inspector.js";
export { useRegistrySnapshot } from "./use-registry-snapshot.js";
