/**
 * The stories' decorator: the testing kit's `withSubmatview` (toolbar faults included), over a
 * backend created here for each story render from `parameters.submatview` and the story's
 * datacenter args (size, churn, latency), so that a play function can reach it with
 * `backendOf(canvasElement)`: inject the kit's faults, read the recorded subscriptions, and
 * compare the DOM with the datacenter's catalog.
 */
import type { Decorator, StoryContext } from "@storybook/react-vite";
import { createElement, type ReactNode, useEffect, useState } from "react";
import {
  createStoryBackend,
  createTestRegistry,
  createWrapper,
  type Datacenter,
  type Fault,
  type ScriptedServer,
  type StoryBackend,
  type SubmatviewParameters,
  withSubmatview,
} from "react-submatview/testing";
import { withLatency } from "./latency.js";

/** The controls of a datacenter story (its Storybook args). */
export interface DatacenterArgs {
  /** Services `service-00` … in the datacenter. */
  readonly services: number;
  readonly instancesPerService: number;
  /** Catalog changes per second (0 stops the churn; changing it keeps the datacenter). */
  readonly churnPerSecond: number;
  /** Network latency of every stream, in ms (a delaying transport in front of the kit's). */
  readonly latencyMs: number;
}

const range = (min: number, max: number, step = 1) => ({
  control: { type: "range", min, max, step } as const,
  table: { category: "datacenter" },
});

/** `argTypes` of the {@link DatacenterArgs} controls. */
export const datacenterArgTypes = {
  services: range(1, 40),
  instancesPerService: range(0, 40),
  churnPerSecond: range(0, 50),
  latencyMs: range(0, 2000, 50),
};

/** Gives the story the kit's decorator over a backend its play function can reach. */
export const withStoryBackend: Decorator = (Story, context) =>
  createElement(BackendScope, { key: context.id, Story, context });

const current = new WeakMap<Element, StoryBackend>();
const waiting = new WeakMap<Element, Array<(backend: StoryBackend) => void>>();

/** The backend of the story rendered in `canvasElement`, once it exists (within `timeoutMs`). */
export function backendOf(canvasElement: Element, timeoutMs = 5_000): Promise<StoryBackend> {
  const now = current.get(canvasElement);
  if (now) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no story backend in this canvas after ${timeoutMs} ms`)),
      timeoutMs,
    );
    const list = waiting.get(canvasElement) ?? [];
    list.push((backend) => {
      clearTimeout(timer);
      resolve(backend);
    });
    waiting.set(canvasElement, list);
  });
}

/** The story's datacenter (a story with `parameters.submatview.datacenter` or none). */
export async function datacenterOf(canvasElement: Element): Promise<Datacenter> {
  const backend = await backendOf(canvasElement);
  if (backend.kind !== "datacenter") throw new Error("this story runs a scripted server");
  return backend.datacenter;
}

/** The story's scripted server (a story with `parameters.submatview.scenario`). */
export async function serverOf(canvasElement: Element): Promise<ScriptedServer> {
  const backend = await backendOf(canvasElement);
  if (backend.kind !== "scenario") throw new Error("this story runs a datacenter");
  return backend.server;
}

function BackendScope(props: { Story: () => ReactNode; context: StoryContext }): ReactNode {
  const { Story, context } = props;
  const given: SubmatviewParameters | undefined = context.parameters.submatview;
  const { churnPerSecond, ...fixed } = datacenterArgs(context.args);
  const fixedKey = JSON.stringify(fixed);
  const [scope, setScope] = useState<Scope | null>(null);
  // Created in an effect (StrictMode's double effects dispose the first); size and latency
  // changes make a new datacenter, a churn change only retunes it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by the fixed args' values
  useEffect(() => {
    const created = createBackend(given ?? {}, fixed, fixedKey);
    const canvas = context.canvasElement as Element | undefined;
    if (canvas) publish(canvas, created.backend);
    setScope(created);
    return () => {
      if (canvas && current.get(canvas) === created.backend) current.delete(canvas);
      created.dispose();
    };
  }, [given, fixedKey]);
  useEffect(() => {
    if (scope?.backend.kind === "datacenter" && churnPerSecond !== undefined) {
      scope.backend.datacenter.churn(churnPerSecond);
    }
  }, [scope, churnPerSecond]);
  // Until the effect replaced a backend the args outdated, render nothing from it.
  if (!scope || scope.key !== fixedKey) return null;
  const globals = context.globals as { submatviewFault?: Fault };
  return withSubmatview(Story, { id: context.id, parameters: scope.parameters, globals });
}

interface Scope {
  /** The fixed args it was made for. */
  readonly key: string;
  readonly backend: StoryBackend;
  /** What the kit's decorator gets: the backend to use (it does not dispose one it is given). */
  readonly parameters: { readonly submatview: SubmatviewParameters };
  readonly dispose: () => void;
}

function createBackend(
  parameters: SubmatviewParameters,
  args: Partial<Omit<DatacenterArgs, "churnPerSecond">>,
  key: string,
): Scope {
  const { latencyMs = 0, ...size } = args;
  const given = parameters.use !== undefined;
  const made = createStoryBackend(
    parameters.scenario || given
      ? parameters
      : { datacenter: { ...parameters.datacenter, ...size } },
  );
  const backend = latencyMs > 0 && !given ? slowed(made, latencyMs) : made;
  const kit = backend.kind === "scenario" ? backend.server : backend.datacenter;
  return {
    key,
    backend,
    parameters: { submatview: { use: kit } },
    // A kit object a test passed in (`use`) is the test's to dispose.
    dispose: () => (given ? undefined : kit.dispose()),
  };
}

/** The same backend seen through a registry whose transport adds `ms` of latency. */
function slowed(backend: StoryBackend, ms: number): StoryBackend {
  const kit: ScriptedServer | Datacenter =
    backend.kind === "scenario" ? backend.server : backend.datacenter;
  const registry = createTestRegistry(withLatency(kit.transport, ms));
  // Everything else (catalog, faults, recorded streams) is the kit object's own.
  const view = Object.create(kit, {
    registry: { value: registry },
    wrapper: { value: createWrapper(registry) },
    dispose: {
      value: () => {
        registry.dispose();
        kit.dispose();
      },
    },
  });
  return backend.kind === "scenario"
    ? { kind: "scenario", server: view as ScriptedServer }
    : { kind: "datacenter", datacenter: view as Datacenter };
}

function publish(canvas: Element, backend: StoryBackend): void {
  current.set(canvas, backend);
  const list = waiting.get(canvas);
  waiting.delete(canvas);
  for (const resolve of list ?? []) resolve(backend);
}

/** The story's datacenter args that are set (numbers only: the controls' values). */
function datacenterArgs(args: Record<string, unknown>): Partial<DatacenterArgs> {
  const out: Record<string, number> = {};
  for (const name of Object.keys(datacenterArgTypes)) {
    const value = args[name];
    if (typeof value === "number") out[name] = value;
  }
  return out;
}
