// The card's stories render in tests too (composeStories): one scenario, story and test alike.
import { composeStories, setProjectAnnotations } from "@storybook/react-vite";
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, expect, test } from "vitest";
import preview from "../../.storybook/preview.js";
import * as stories from "./ServiceHealthCard.stories.js";

setProjectAnnotations(preview);

const { Datacenter, Loading, Live, Empty, Reconnecting, Failed, Resnapshot } =
  composeStories(stories);
afterEach(cleanup);

test("each story renders its state", async () => {
  const cases = [
    [Datacenter, "of 5 passing"],
    [Loading, "Loading web…"],
    [Live, "2 of 2 passing"],
    [Empty, "0 of 0 passing"],
    [Reconnecting, "2 of 2 passing · reconnecting…"],
    [Failed, "Cannot watch web: [permission_denied] permission denied: token lacks service:read"],
    [Resnapshot, "1 of 1 passing"],
  ] as const;
  for (const [Story, text] of cases) {
    const { unmount } = render(<Story />);
    expect(
      await screen.findByText(
        (_, el) => el?.textContent?.endsWith(text) === true && el.tagName === "P",
      ),
    ).toBeTruthy();
    unmount();
  }
});
