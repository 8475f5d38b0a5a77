// The stories' decorator (stories/story-backend.tsx): each story run gets its own kit backend,
// made from the story's args, reached by its play function and disposed after it (SPEC T1, T3).
import { composeStories, type StoryContext, setProjectAnnotations } from "@storybook/react-vite";
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { serviceHealthRequest } from "react-submatview";
import type { Fault } from "react-submatview/testing";
import { afterEach, describe, expect, test } from "vitest";
import preview from "../../.storybook/preview.js";
import { catalogRows, shownRows } from "../../stories/play.js";
import * as states from "../../stories/ServiceHealth.stories.js";
import { ServiceHealthTable } from "../../stories/service-health-table.js";
import { datacenterOf, serverOf, withStoryBackend } from "../../stories/story-backend.js";

setProjectAnnotations(preview);
const { Live, Failed } = composeStories(states);

const canvases: HTMLElement[] = [];
function canvas(): HTMLElement {
  const element = document.createElement("div");
  document.body.append(element);
  canvases.push(element);
  return element;
}
afterEach(() => {
  cleanup();
  for (const element of canvases.splice(0)) element.remove();
});

const small = { ...Live.args, services: 2, instancesPerService: 3, churnPerSecond: 0 };

describe("stories' backend decorator", () => {
  test("the story's args size its own datacenter, which its play function reaches", async () => {
    const canvasElement = canvas();
    await Live.run({ canvasElement, args: small });
    const dc = await datacenterOf(canvasElement);
    expect(dc.catalog.specs()).toHaveLength(6);
    expect(shownRows(canvasElement)).toHaveLength(3);
    expect(shownRows(canvasElement)).toEqual(catalogRows(dc, "service-00"));
    expect(dc.registry.stats().openStreams).toBe(1);
  });

  test("the next story's run disposes the last one's backend (SPEC T3, R6)", async () => {
    const first = canvas();
    await Live.run({ canvasElement: first, args: small });
    const dc = await datacenterOf(first);
    expect(dc.registry.stats().openStreams).toBe(1);
    const second = canvas();
    await Failed.run({ canvasElement: second });
    expect(dc.registry.stats().openStreams).toBe(0);
    const request = serviceHealthRequest({ service: "service-00" });
    await expect((async () => dc.registry.get(request))()).rejects.toThrow(/disposed/);
    expect((await serverOf(second)).streams).toHaveLength(1);
  });

  test("latencyMs reads the datacenter through a delaying transport", async () => {
    const canvasElement = canvas();
    await Live.run({ canvasElement, args: { ...small, latencyMs: 200 } });
    const dc = await datacenterOf(canvasElement);
    const [first] = dc.catalog.specs();
    const started = performance.now();
    dc.catalog.setStatus(first!.node, first!.id!, "critical");
    await expect.poll(() => shownRows(canvasElement).join("\n")).toMatch(/critical/);
    // The change went through the delaying transport (not the datacenter's own registry).
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(shownRows(canvasElement)).toEqual(catalogRows(dc, "service-00"));
  });

  test("a toolbar fault picked while the story runs acts on its backend (kit's withSubmatview, SPEC P5)", async () => {
    const canvasElement = canvas();
    const Story = () => <ServiceHealthTable service="service-00" />;
    const parameters = {};
    const context = (fault: Fault) =>
      ({
        id: "toolbar",
        parameters,
        args: small,
        globals: { submatviewFault: fault },
        canvasElement,
      }) as unknown as StoryContext;
    const { rerender } = render(withStoryBackend(Story, context("none")), {
      container: canvasElement,
    });
    const dc = await datacenterOf(canvasElement);
    await waitFor(() => expect(shownRows(canvasElement)).toEqual(catalogRows(dc, "service-00")));
    rerender(withStoryBackend(Story, context("reset")));
    expect(await screen.findByText("resynced 1×")).toBeTruthy();
    // The same datacenter: a fault never replaces the story's backend.
    expect(await datacenterOf(canvasElement)).toBe(dc);
  });
});
