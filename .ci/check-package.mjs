// Checks an unpacked tarball (`node .ci/check-package.mjs <package dir> <repository dir>`): the
// LICENSE and the design document ship, every export target exists, every package the shipped
// code imports is declared, every relative link in the shipped Markdown resolves to a file that
// ships or is in the repository (npm renders README links against the repository, so nothing
// may point outside it), every source map's sources ship, and no test file ships.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(process.argv[2] ?? ".");
const repository = resolve(process.argv[3] ?? root);
const problems = [];
const inside = (path) => !relative(root, path).startsWith("..");

const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else files.push(relative(root, path));
  }
})(root);

for (const required of ["LICENSE", "README.md", "package.json", "docs/DESIGN.md"]) {
  if (!existsSync(join(root, required))) problems.push(`${required} does not ship`);
}
const license = existsSync(join(root, "LICENSE"))
  ? readFileSync(join(root, "LICENSE"), "utf8")
  : "";
if (!license.trimStart().startsWith("Mozilla Public License Version 2.0")) {
  problems.push("LICENSE is not the MPL-2.0 text that package.json declares");
}

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const targets = (value) =>
  typeof value === "string" ? [value] : Object.values(value ?? {}).flatMap(targets);
for (const target of targets(pkg.exports)) {
  if (!existsSync(join(root, target))) problems.push(`exports target ${target} does not ship`);
}

// A user's install must bring, or the package must declare, everything the shipped code imports.
const declared = new Set([
  pkg.name,
  ...Object.keys(pkg.dependencies ?? {}),
  ...Object.keys(pkg.peerDependencies ?? {}),
]);
for (const file of files.filter((f) => f.startsWith("dist/") && f.endsWith(".js"))) {
  const code = readFileSync(join(root, file), "utf8");
  for (const [, specifier] of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)"([^"./][^"]*)"/g)) {
    if (specifier.startsWith("node:")) continue;
    const parts = specifier.split("/");
    const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
    if (!declared.has(name)) problems.push(`${file} imports ${name}, declared nowhere`);
  }
}

for (const file of files.filter((f) => f.endsWith(".md"))) {
  const text = readFileSync(join(root, file), "utf8").replace(/```[\s\S]*?```/g, "");
  for (const [mention] of text.matchAll(/\.\.\/[\w./-]+/g)) {
    if (!inside(resolve(root, dirname(file), mention))) {
      problems.push(`${file} points outside the package: ${mention}`);
    }
  }
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    if (target.startsWith("#")) continue;
    if (/^[a-z][a-z+.-]*:/i.test(target)) {
      problems.push(`${file} links outside the repository: ${target}`);
      continue;
    }
    const path = resolve(root, dirname(file), decodeURI(target.split("#")[0]));
    const inRepository = existsSync(join(repository, relative(root, path)));
    if (!inside(path) || !(existsSync(path) || inRepository)) {
      problems.push(`${file} links to ${target}: neither shipped nor in the repository`);
    }
  }
}

let maps = 0;
for (const file of files.filter((f) => f.endsWith(".map"))) {
  maps++;
  const map = JSON.parse(readFileSync(join(root, file), "utf8"));
  for (const source of map.sources) {
    const path = resolve(root, dirname(file), map.sourceRoot ?? "", source);
    if (!inside(path) || !existsSync(path)) problems.push(`${file}: source ${source} not shipped`);
  }
}

for (const file of files) {
  if (/\.test\.[cm]?[jt]sx?$/.test(file)) problems.push(`test file ships: ${file}`);
}

if (problems.length > 0) {
  console.error(`package check: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`package check: ${files.length} files, ${maps} source maps resolve, links resolve`);
