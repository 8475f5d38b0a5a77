#!/usr/bin/env bash
# The React (jsdom) test project and the typecheck on React 18 (issue 8 item 4; peers allow
# ^18.2.0 || ^19.0.0). Works on a copy of the work tree (tracked and new unignored files, no
# node_modules): `npm ci` from the lockfile (React 19), then React 18 over it with --no-save.
# A probe test copied into the copy asserts which React actually rendered.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
copy="$(mktemp -d "${TMPDIR:-/tmp}/submatview-react18.XXXXXX")"
trap 'rm -rf "$copy"' EXIT
react=18.3.1
npm_quiet=(--no-audit --no-fund --loglevel=error)

(cd "$root" && git ls-files -z --cached --others --exclude-standard) |
  (cd "$root" && tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -C "$copy" -xf -
cd "$copy"
SECONDS=0
npm ci "${npm_quiet[@]}"
npm install --no-save "${npm_quiet[@]}" \
  "react@$react" "react-dom@$react" @types/react@18.3.32 @types/react-dom@18.3.7
echo "copy and installs: ${SECONDS}s"
node -p '`react ${require("react/package.json").version}, react-dom ${require("react-dom/package.json").version}, @types/react ${require("@types/react/package.json").version}`'

cp "$root/.ci/react-version.probe.tsx" test/ci-react-version.test.tsx

# Both steps run, whatever the first one says, so one CI run shows every React 18 problem.
status=0
printf '\n-- typecheck on @types/react 18\n'
npm run --silent typecheck || status=1

printf '\n-- vitest --project jsdom on React %s\n' "$react"
EXPECT_REACT_VERSION="$react" npx vitest run --project jsdom || status=1
exit "$status"
