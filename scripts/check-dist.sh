#!/usr/bin/env bash
# Fails when the committed dist/ is not what the current source builds to (the action runs dist/,
# not src/). Like actions/typescript-action's check-dist: rebuild in place, then ask git.
# ncc names modules by their paths, so the build must happen at the real location to compare.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
if [ -n "$(git status --porcelain -- dist)" ]; then
  git status --short -- dist | head -20
  echo "dist/ is stale: run 'npm run build' and commit dist/ with the source change" >&2
  exit 1
fi
echo "dist/ matches the source"
