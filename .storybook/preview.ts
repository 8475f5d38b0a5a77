import type { Preview } from "@storybook/react-vite";
import { submatviewGlobalTypes } from "react-submatview/testing";

const preview: Preview = {
  parameters: { layout: "padded" },
  // A toolbar menu that injects stream faults into the story on screen (react-submatview/testing).
  globalTypes: { ...submatviewGlobalTypes },
  initialGlobals: { submatviewFault: "none" },
};
export default preview;
