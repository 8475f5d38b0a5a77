#!/usr/bin/env bash
# The install story, as a user lives it (issue 8 item 5): pack the package, check what the
# tarball holds, install it into a fresh project made from .ci/consumer/ with a plain
# `npm install` (pinned versions from the registry, no --legacy-peer-deps), type-check that
# project strictly through the exports map, run every *.test.tsx in it, and bundle the browser
# entries with esbuild. Then the same again in a fresh project on React 18 (a plain install:
# the peer range must accept it). Needs the repository's node_modules (esbuild) and network.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/submatview-consumer.XXXXXX")"
trap 'rm -rf "$work"' EXIT
npm_quiet=(--no-audit --no-fund --loglevel=error)

step() { printf '\n-- %s\n' "$*"; }

step "npm pack (prepack builds dist/)"
if ! (cd "$root" && npm pack --pack-destination "$work" >"$work/pack.log" 2>&1); then
  cat "$work/pack.log" >&2
  exit 1
fi
mv "$work"/react-submatview-*.tgz "$work/react-submatview.tgz"
mkdir "$work/unpacked"
tar -xzf "$work/react-submatview.tgz" -C "$work/unpacked"
node "$root/.ci/check-package.mjs" "$work/unpacked/package" "$root"

# A fresh project from the fixture, on the given React (a plain `npm install`, as a new user's).
app="$work/app"
new_app() {
  local react="$1" types_react="$2" types_react_dom="$3"
  rm -rf "$app"
  mkdir "$app"
  cp -R "$root/.ci/consumer/." "$app/"
  mv "$app/package.template.json" "$app/package.json"
  (
    cd "$app"
    npm pkg set "dependencies.react=$react" "dependencies.react-dom=$react" \
      "devDependencies.@types/react=$types_react" "devDependencies.@types/react-dom=$types_react_dom"
    npm install "${npm_quiet[@]}"
    # Every peer satisfied: npm ls exits non-zero on an invalid or missing one.
    npm ls react react-dom @connectrpc/connect @bufbuild/protobuf @tanstack/react-query
  )
}

check_app() {
  local react="$1"
  step "React $react: tsc --noEmit (strict, types through the exports map)"
  (cd "$app" && npx tsc --noEmit -p tsconfig.json)
  step "React $react: vitest run (every *.test.tsx of the fixture)"
  (cd "$app" && EXPECT_REACT_VERSION="$react" npx vitest run)
}

step "fresh project on React 19: npm install of the tarball and the fixture's pinned dependencies"
new_app 19.3.1 19.3.3 19.3.0
check_app 19.3.1

step "browser bundles (esbuild, platform=browser): no Node built-ins"
node "$root/.ci/browser-bundle-check.mjs" "$app"

step "fresh project on React 18: a plain npm install accepts the package"
new_app 18.3.1 18.3.32 18.3.7
check_app 18.3.1
