/**
 * `react-submatview/testing`: the kit for users' render tests and stories (SPEC section 8, T1–T3).
 * Framework-neutral: no test runner, Testing Library or Storybook import; no Node built-ins.
 */

export { Code } from "@connectrpc/connect";
export type { HealthStatus, InstanceSpec } from "../server/catalog-types.js";
export type { EventPayload } from "../server/types.js";
export type { Datacenter, DatacenterOptions } from "./datacenter.js";
export { createDatacenter } from "./datacenter.js";
export type { TestRegistryOptions } from "./defaults.js";
export { createTestRegistry, TEST_RETRY, TestTimers } from "./defaults.js";
export type { IndexLike } from "./events.js";
export { batch, deregister, event, instances, register, setStatus, toIndex } from "./events.js";
export type { ScenarioData } from "./scenarios.js";
export * as scenarios from "./scenarios.js";
export type {
  Scenario,
  ScriptedServer,
  ScriptedServerOptions,
  StreamMatch,
} from "./scripted-server.js";
export { createScriptedServer } from "./scripted-server.js";
export { ScriptedStream } from "./scripted-stream.js";
export type {
  Fault,
  StoryBackend,
  SubmatviewParameters,
  SubmatviewStoryContext,
} from "./storybook.js";
export {
  createStoryBackend,
  injectFault,
  submatviewGlobalTypes,
  withSubmatview,
} from "./storybook.js";
export { createWrapper } from "./wrapper.js";
