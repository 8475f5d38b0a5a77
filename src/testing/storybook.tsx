/**
 * Storybook support with no Storybook import (STYLE 13, SPEC T1): a decorator that gives each
 * story a fresh scripted server or datacenter, its `parameters` shape, and toolbar globals that
 * inject faults. The types are structural, so they fit `@storybook/react`'s without importing it.
 */
import { Code } from "@connectrpc/connect";
import {
  type ComponentType,
  createElement,
  type ReactElement,
  type ReactNode,
  useEffect,
  useRef,
  useState,
} from "react";
import { createDatacenter, type Datacenter, type DatacenterOptions } from "./datacenter.js";
import { createScriptedServer, type Scenario, type ScriptedServer } from "./scripted-server.js";

/**
 * `parameters.submatview` of a story (or of a component's `meta`): a scripted `scenario`, or a
 * `datacenter` (the default when neither is given: 4 services × 5 instances, seed 1, no churn).
 */
export interface SubmatviewParameters {
  readonly scenario?: Scenario;
  readonly datacenter?: DatacenterOptions;
  /**
   * A kit object the caller created and drives (a test rendering a composed story): the story
   * uses it instead of creating one, and does not dispose it.
   */
  readonly use?: ScriptedServer | Datacenter;
}

/** A toolbar fault (the `submatviewFault` global). */
export type Fault = "none" | "drop" | "reset" | "restore";

/**
 * The toolbar control for faults: spread into `globalTypes` in `.storybook/preview.ts`, and
 * pick a fault while a story runs — drop every stream, reset them (`Aborted`), or restore the
 * datacenter to a lower index. A pick acts once, when made (pick "No fault" to re-arm); a
 * story opened with a fault selected starts clean.
 */
export const submatviewGlobalTypes: {
  readonly submatviewFault: {
    description: string;
    toolbar: {
      title: string;
      icon: "lightning";
      items: Array<{ value: Fault; title: string }>;
      dynamicTitle: boolean;
    };
  };
} = {
  submatviewFault: {
    description: "Inject a stream fault (react-submatview)",
    toolbar: {
      title: "Stream fault",
      icon: "lightning",
      items: [
        { value: "none", title: "No fault" },
        { value: "drop", title: "Drop connections" },
        { value: "reset", title: "Reset streams (Aborted)" },
        { value: "restore", title: "Restore to a lower index" },
      ],
      dynamicTitle: true,
    },
  },
};

/** What the decorator reads of Storybook's story context. */
export interface SubmatviewStoryContext {
  readonly id?: string;
  readonly parameters: { readonly submatview?: SubmatviewParameters };
  readonly globals?: { readonly submatviewFault?: Fault };
}

/** The kit object behind one rendered story. */
export type StoryBackend =
  | { readonly kind: "scenario"; readonly server: ScriptedServer }
  | { readonly kind: "datacenter"; readonly datacenter: Datacenter };

/**
 * The decorator: wraps the story in a `MaterializerProvider` over a fresh backend created for
 * this story and disposed when it unmounts — nothing is shared between stories, nor survives a
 * hot reload (the story remounts and gets a new one).
 *
 * @example
 * ```tsx
 * const meta = { component: HealthCard, decorators: [withSubmatview] } satisfies Meta<typeof HealthCard>;
 * export const Live: Story = { parameters: { submatview: { datacenter: { churnPerSecond: 2 } } } };
 * export const Failed: Story = { parameters: { submatview: { scenario: scenarios.failed() } } };
 * ```
 */
export function withSubmatview(
  Story: () => ReactNode,
  context: SubmatviewStoryContext,
): ReactElement {
  return createElement(SubmatviewStory, {
    key: context.id,
    Story: Story as ComponentType,
    parameters: context.parameters.submatview ?? {},
    fault: context.globals?.submatviewFault ?? "none",
  });
}

/** Creates the backend a story's parameters ask for (or wraps the one given in `use`). */
export function createStoryBackend(parameters: SubmatviewParameters): StoryBackend {
  const given = parameters.use;
  if (given) {
    return "streams" in given
      ? { kind: "scenario", server: given }
      : { kind: "datacenter", datacenter: given };
  }
  if (parameters.scenario)
    return { kind: "scenario", server: createScriptedServer({ scenario: parameters.scenario }) };
  return { kind: "datacenter", datacenter: createDatacenter(parameters.datacenter) };
}

/** Applies a toolbar fault to a backend. */
export function injectFault(backend: StoryBackend, fault: Fault): void {
  if (fault === "none") return;
  if (backend.kind === "datacenter") {
    const dc = backend.datacenter;
    if (fault === "drop") dc.dropAll();
    else if (fault === "reset") dc.reset();
    else if (dc.index > 1n) dc.restore();
    return;
  }
  for (const stream of backend.server.open()) {
    if (fault === "drop") void stream.drop();
    else
      void stream.end(
        Code.Aborted,
        "subscription closed by server, client must reset state and resubscribe",
      );
  }
}

function SubmatviewStory(props: {
  Story: ComponentType;
  parameters: SubmatviewParameters;
  fault: Fault;
}): ReactNode {
  const { Story, parameters, fault } = props;
  const [backend, setBackend] = useState<StoryBackend | null>(null);
  // Created in an effect, not during render: StrictMode's double effects dispose the first.
  useEffect(() => {
    const created = createStoryBackend(parameters);
    setBackend(created);
    if (parameters.use) return;
    return () => (created.kind === "scenario" ? created.server : created.datacenter).dispose();
  }, [parameters]);
  // A fault acts when picked while the story runs, not when a story opens with one selected.
  const applied = useRef<{ backend: StoryBackend | null; fault: Fault }>({ backend: null, fault });
  useEffect(() => {
    const last = applied.current;
    applied.current = { backend, fault };
    if (backend && last.backend === backend && last.fault !== fault) injectFault(backend, fault);
  }, [backend, fault]);
  if (!backend) return null;
  const Wrapper = backend.kind === "scenario" ? backend.server.wrapper : backend.datacenter.wrapper;
  return createElement(Wrapper, null, createElement(Story));
}
