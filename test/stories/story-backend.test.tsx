// The stories' decorator (stories/story-backend.tsx): each story run gets its own kit backend,
// made from the story's args, reached by its play function and disposed after it (SPEC T1, T3).
import { composeStories, setProjectAnnotations } from "@storybook/react-vite";
import { serviceHealthRequest } from "react-submatview";
import { afterEach, describe, expect, test } from "vitest";
import preview from "../../.storybook/preview.js";
import { catalogRows, shownRows } from "../../stories/play.js";
import * as states from "../../stories/ServiceHealth.stories.js";
import { datacenterOf, serverOf } from "../../stories/story-backend.js";

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
});
