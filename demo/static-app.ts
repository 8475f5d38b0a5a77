/**
 * The demo page's files: built with Vite from demo/app on start when no build of the current
 * sources exists (offline, a few seconds), cached under demo/dist/<hash of the sources>, and
 * served from memory.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, extname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const appDir = join(root, "demo", "app");
const cacheDir = join(root, "demo", "dist");
/** What the page is built from: its own files and the package sources it imports. */
const sourceDirs = [appDir, join(root, "src")];

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
};

export interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
  /** Hashed asset names never change: cache them for good; the page itself revalidates. */
  readonly immutable: boolean;
}

/** The built page by URL path (`/`, `/assets/index-abc123.js`, …). */
export type StaticApp = ReadonlyMap<string, StaticFile>;

/**
 * Loads the page's build for the current sources, building it first when there is none.
 * Parallel starts (tests) are safe: each builds into its own folder and moves it into place.
 */
export async function loadApp(log: (line: string) => void): Promise<StaticApp> {
  const hash = await fingerprint();
  const outDir = join(cacheDir, hash);
  if (!existsSync(join(outDir, "index.html"))) {
    const started = Date.now();
    const temp = join(cacheDir, `tmp-${process.pid}-${started}`);
    await build(temp);
    await rename(temp, outDir).catch(async () => {
      // Another process built the same sources first: use theirs.
      await rm(temp, { recursive: true, force: true });
    });
    log(`  built the demo page in ${Date.now() - started} ms (demo/dist/${hash})`);
    await prune(hash);
  }
  const files = new Map<string, StaticFile>();
  for (const path of await walk(outDir)) {
    const url = `/${relative(outDir, path).split("\\").join("/")}`;
    const file = {
      body: await readFile(path),
      type: TYPES[extname(path)] ?? "application/octet-stream",
      immutable: url.startsWith("/assets/"),
    };
    files.set(url === "/index.html" ? "/" : url, file);
  }
  return files;
}

async function build(outDir: string): Promise<void> {
  // Loaded only when a build is needed: a cached start does not pay for Vite.
  const vite = await import("vite");
  const react = (await import("@vitejs/plugin-react")).default;
  await vite.build({
    root: appDir,
    configFile: false,
    logLevel: "warn",
    plugins: [react()],
    resolve: {
      // The page imports the package by its public names, as an app would.
      alias: [
        { find: /^react-submatview$/, replacement: join(root, "src/react/index.ts") },
        {
          find: /^react-submatview\/(core|gen|tanstack|devtools)$/,
          replacement: join(root, "src/$1/index.ts"),
        },
      ],
    },
    // One ~620 kB chunk (React, TanStack Query, Connect, protobuf-es): fine for a local demo.
    build: { outDir, emptyOutDir: true, reportCompressedSize: false, chunkSizeWarningLimit: 1024 },
  });
}

/** SHA-256 over every source file's path and content (mtimes change with every checkout). */
async function fingerprint(): Promise<string> {
  const hash = createHash("sha256");
  for (const dir of sourceDirs) {
    for (const path of (await walk(dir)).sort()) {
      hash.update(relative(root, path));
      hash.update(await readFile(path));
    }
  }
  return hash.digest("hex").slice(0, 16);
}

/** Older builds go once they are an hour old (a parallel start may still be loading one). */
async function prune(keep: string): Promise<void> {
  for (const name of await readdir(cacheDir).catch(() => [] as string[])) {
    if (name === keep) continue;
    const path = join(cacheDir, name);
    const info = await stat(path).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > 3_600_000)
      await rm(path, { recursive: true, force: true });
  }
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const paths: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) paths.push(...(await walk(path)));
    else paths.push(path);
  }
  return paths;
}
