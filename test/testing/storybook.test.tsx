/** The Storybook decorator (issue 8 item 2): a fresh backend per story, faults from the toolbar. */
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { serviceHealthRequest, useMaterializedView } from "react-submatview";
import {
  createScriptedServer,
  type Fault,
  register,
  type Scenario,
  type ScriptedServer,
  type ScriptedStream,
  type SubmatviewParameters,
  scenarios,
  withSubmatview,
} from "react-submatview/testing";
import { afterEach, describe, expect, test } from "vitest";

let server: ScriptedServer | undefined;
afterEach(() => {
  cleanup();
  server?.dispose();
});

function Status() {
  const { status, data, resets } = useMaterializedView(serviceHealthRequest({ service: "web" }));
  return <p>{`${status} ${data?.nodes.length ?? "-"} resets=${resets}`}</p>;
}
const story = (id: string, submatview: SubmatviewParameters, fault: Fault = "none"): ReactNode =>
  withSubmatview(() => <Status />, {
    id,
    parameters: { submatview },
    globals: { submatviewFault: fault },
  });

describe("withSubmatview", () => {
  test("each story gets a fresh backend, disposed when the story unmounts (nothing leaks)", async () => {
    const seen: ScriptedStream[] = [];
    const live = scenarios.live();
    const recorded: Scenario = (s) => {
      seen.push(s);
      return live(s);
    };
    const { rerender, unmount } = render(story("a", { scenario: recorded }));
    expect(await screen.findByText("live 3 resets=0")).toBeTruthy();
    rerender(story("b", { scenario: scenarios.empty() }));
    expect(await screen.findByText("live 0 resets=0")).toBeTruthy();
    await seen[0]?.closed(); // story a's server was disposed with it
    rerender(story("c", { scenario: recorded }));
    expect(await screen.findByText("live 3 resets=0")).toBeTruthy();
    expect(seen.map((s) => s.attempt)).toEqual([1, 1]); // a new server: attempts start over
    unmount();
    await seen[1]?.closed();
  });

  test("toolbar faults act once when picked, not when a story opens with one (SPEC M6)", async () => {
    server = createScriptedServer({
      scenario: (s) =>
        s.snapshot(s.attempt === 1 ? 10 : 20, [register({ node: "n", service: "web" })]),
    });
    const { rerender } = render(story("a", { use: server }, "reset"));
    expect(await screen.findByText("live 1 resets=0")).toBeTruthy();
    rerender(story("a", { use: server }, "none"));
    rerender(story("a", { use: server }, "reset"));
    expect(await screen.findByText("live 1 resets=1")).toBeTruthy();
    rerender(story("a", { use: server }, "drop"));
    await waitFor(() => expect(server?.streams.at(-1)?.index).toBe(20n));
  });
});
