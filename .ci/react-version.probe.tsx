// Copied into test/ by .ci/react18-check.sh (never run from here): proves which React the jsdom
// project really loads and renders with, not only which one npm installed.
import { render, screen } from "@testing-library/react";
import { version as reactVersion } from "react";
import { version as reactDomVersion } from "react-dom";
import { expect, test } from "vitest";

test("the jsdom project renders with the React version CI installed", () => {
  render(<p>React {reactVersion}</p>);
  expect(screen.getByText(`React ${process.env.EXPECT_REACT_VERSION}`)).toBeTruthy();
  expect(reactDomVersion).toBe(process.env.EXPECT_REACT_VERSION);
});
