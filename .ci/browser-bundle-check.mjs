// Bundles every browser entry of the installed package for the browser with esbuild, as a user's
// app would (`node .ci/browser-bundle-check.mjs <project dir>`): none may pull in a Node
// built-in (SPEC T1; src/server runs in browsers). `react-submatview/server/node` is Node-only:
// bundling it must fail, which shows that the check can fail.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";

const project = resolve(process.argv[2] ?? ".");
const pkg = JSON.parse(
  readFileSync(join(project, "node_modules/react-submatview/package.json"), "utf8"),
);
const nodeOnly = new Set(["./server/node", "./package.json"]);
const entries = Object.keys(pkg.exports).filter((e) => !nodeOnly.has(e));

async function bundle(entry) {
  try {
    const result = await build({
      stdin: { contents: `export * from "${entry}";`, resolveDir: project, loader: "js" },
      absWorkingDir: project,
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
      define: { "process.env.NODE_ENV": '"production"' },
    });
    const inputs = Object.keys(result.metafile.inputs);
    const builtins = inputs.filter((i) => i.startsWith("node:") || i.startsWith("(disabled)"));
    return { ok: builtins.length === 0, detail: builtins.join(", ") || `${inputs.length} modules` };
  } catch (error) {
    const messages = error.errors?.map((e) => e.text) ?? [String(error)];
    return { ok: false, detail: messages.slice(0, 3).join("; ") };
  }
}

let failed = false;
for (const entry of entries.map((e) => `react-submatview${e.slice(1)}`)) {
  const { ok, detail } = await bundle(entry);
  console.log(`${ok ? "ok  " : "FAIL"} ${entry} for the browser: ${detail}`);
  failed ||= !ok;
}
const control = await bundle("react-submatview/server/node");
if (control.ok) {
  console.log("FAIL the control react-submatview/server/node bundled for the browser");
  failed = true;
} else {
  console.log("ok   control: react-submatview/server/node does not bundle for the browser");
}
process.exit(failed ? 1 : 0);
