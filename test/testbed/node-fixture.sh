# The fixture node app (test/fixtures/node-app) for the zero-loss load tests, sourced by up.sh after its
# build/push helpers are defined (needs build, push, copy_if_changed, context_hash, die, mark, STATE).
# FROM scratch + the host's node binary (`command -v node`) and every library `ldd` lists, copied with
# cp -L into the git-ignored rootfs/ at the same paths (as for the HAProxy image). Builds and pushes are
# skipped when nothing changed (stamps in .testbed/images, registry digests).
NODE_APP_DIR="$ROOT/test/fixtures/node-app"
NODE_REPO="$ZDD_TEST_NODE_REPO"
# tag | build args (VERSION is the tag unless set, so /version tells which variant answered)
NODE_VARIANTS=(
  "v1|"
  "v2|"
  "v3|"
  "bad-sigterm-v1|SIGTERM=exit"
  "bad-sigterm-v2|SIGTERM=exit"
  "bad-health|HEALTH=fail"
  "bad-errors|VERSION=v2-errors ERRORS=1"
)

node_fixture_rootfs() {
  local node lib rootfs="$NODE_APP_DIR/rootfs"
  node="$(command -v node)" || die "no node on PATH: the fixture node app copies the host's node binary"
  node="$(readlink -f "$node")"
  copy_if_changed "$node" "$rootfs/usr/bin/node"
  for lib in $(ldd "$node" | grep -o '/[^ ]*' | sort -u); do
    copy_if_changed "$lib" "$rootfs$lib"
  done
  # /tmp for `node /app/ctl.js drain` (scratch has none); an empty file keeps the folder in the context.
  mkdir -p "$rootfs/tmp" && chmod 1777 "$rootfs/tmp" && : >"$rootfs/tmp/.keep"
}

# build_node_fixtures: the first variant alone (its layers are then shared), the others in parallel.
build_node_fixtures() {
  local hash variant pid pids=()
  node_fixture_rootfs
  hash="$(context_hash "$NODE_APP_DIR")"
  node_variant() {
    local tag="${1%%|*}" vargs
    read -r -a vargs <<<"${1#*|}"
    [[ " ${vargs[*]-} " == *" VERSION="* ]] || vargs=("VERSION=$tag" ${vargs[@]+"${vargs[@]}"})
    build "$NODE_REPO:$tag" "$NODE_APP_DIR" "$hash" "${vargs[@]}"
  }
  node_variant "${NODE_VARIANTS[0]}" || die "image build failed (see .testbed/build-*.log)"
  for variant in "${NODE_VARIANTS[@]:1}"; do node_variant "$variant" & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid" || die "image build failed (see above and .testbed/build-*.log)"; done
  mark "node app images built"
}

push_node_fixtures() {
  local variant
  for variant in "${NODE_VARIANTS[@]}"; do push "$NODE_REPO:${variant%%|*}"; done
  mark "node app images pushed"
}
