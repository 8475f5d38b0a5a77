/** esbuild + gzip measurement shared by bench/bundle.ts and the CI size check. */
import { gzipSync } from "node:zlib";
import { build, type Metafile } from "esbuild";

export const root = new URL("../..", import.meta.url).pathname;
/** The package's peers: external for "own code" figures. */
export const PEERS = [
  "react",
  "react-dom",
  "react/jsx-runtime",
  "@bufbuild/protobuf",
  "@bufbuild/protobuf/*",
  "@connectrpc/connect",
  "@connectrpc/connect-web",
  "@tanstack/react-query",
];
/** React only: external for "all-in" figures. */
export const REACT = ["react", "react-dom", "react/jsx-runtime", "react-dom/client"];

export interface Size {
  readonly min: number;
  readonly gzip: number;
  readonly inputs: Metafile["outputs"][string]["inputs"];
}

export async function measure(contents: string, external: readonly string[]): Promise<Size> {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: "ts" },
    bundle: true,
    minify: true,
    write: false,
    format: "esm",
    platform: "browser",
    external: [...external],
    metafile: true,
    logLevel: "error",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  const code = result.outputFiles[0]!.contents;
  const inputs = Object.values(result.metafile.outputs)[0]!.inputs;
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length, inputs };
}
