#!/usr/bin/env bash
# Brings up the real test bed (idempotent; safe to run many times; run by `npm test` and by CI as root
# on a fresh Debian 12 machine):
#   Debian packages -> dockerd -> single-node Swarm -> two local registries (open :5000, basic auth :5001)
#   (dockerd also on tcp://127.0.0.1:2376 with TLS; sshd on 127.0.0.1:2222: see remote-access.sh)
#   -> Prometheus on 127.0.0.1:9090 (scrapes the targets tests register in .testbed/prometheus/targets/)
#   -> fixture images (app variants pushed to the registries, HAProxy image kept local)
#   -> removal of leftovers labelled zdd.test=1 (services, containers, networks, configs, secrets).
# Logs and state live in <repo>/.testbed/ (git-ignored). Exits non-zero with a message on any failure.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="$ROOT/.testbed"
# shellcheck source=env.sh
source "$ROOT/test/testbed/env.sh"
mkdir -p "$STATE"
START_NS=$(date +%s%N)

log() { echo "[testbed] $*"; }
die() { echo "[testbed] ERROR: $*" >&2; exit 1; }
trap 'rc=$?; echo "[testbed] ERROR: command failed (exit $rc) at up.sh line $LINENO: $BASH_COMMAND" >&2; exit $rc' ERR
elapsed() { echo "$(( ($(date +%s%N) - START_NS) / 1000000 )) ms"; }
: >"$STATE/up-timing.log"
mark() { echo "$(elapsed) $*" >>"$STATE/up-timing.log"; }   # phase timings, for slow runs

APP_DIR="$ROOT/test/fixtures/app"
PROXY_DIR="$ROOT/test/fixtures/proxy"
APP_REPO="$ZDD_TEST_APP_REPO"
AUTH_APP_REPO="$ZDD_TEST_AUTH_REGISTRY/zdd-fixture-app"
PROXY_IMAGE="$ZDD_TEST_PROXY_IMAGE"
# tag | build args (VERSION is the tag itself unless the variant sets it, so /version tells which variant
# answered)
APP_VARIANTS=(
  "v1|"
  "v2|"
  "v3|"
  "bad-health|HEALTH=fail DOCKER_HEALTH=health"
  "bad-gate|HEALTH=fail DOCKER_HEALTH=ping"
  "crash|CRASH=1"
  "nohc-v1|DOCKER_HEALTH=none"
  "nohc-v2|DOCKER_HEALTH=none"
  "bad-errors|VERSION=v2-errors ERRORS=1"
)

# ---------------------------------------------------------------------------------------------- packages
busybox_is_static() { [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; }
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
[ -x /usr/sbin/haproxy ] || missing+=(haproxy)
busybox_is_static || missing+=(busybox-static)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v ldd >/dev/null 2>&1 || missing+=(libc-bin)
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  [ "$(id -u)" = 0 ] || die "missing packages (${missing[*]}) and not root: install them with apt-get first"
  log "installing ${missing[*]} (apt log: .testbed/apt.log)"
  export DEBIAN_FRONTEND=noninteractive
  # prometheus's postinst would start it as a system service (0.0.0.0:9090, Debian's config): a
  # policy-rc.d of our own, only for the install and only when there is none, refuses that one start.
  policy_rc=""
  if [[ " ${missing[*]} " == *" prometheus "* ]] && ! [ -e /usr/sbin/policy-rc.d ]; then
    policy_rc=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\n# written by zdd test/testbed/up.sh for one apt-get install; removed after it\n[ "$1" = prometheus ] && exit 101\nexit 0\n' >"$policy_rc"
    chmod 755 "$policy_rc"
  fi
  apt_ok=1
  { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; } >"$STATE/apt.log" 2>&1 || apt_ok=0
  [ -z "$policy_rc" ] || rm -f "$policy_rc"
  [ "$apt_ok" = 1 ] || { tail -n 30 "$STATE/apt.log" >&2; die "apt-get install ${missing[*]} failed (see .testbed/apt.log)"; }
  busybox_is_static || die "/bin/busybox is not Debian's static busybox after installing busybox-static"
fi

mark "packages checked"
# ------------------------------------------------------------------------------------------------ dockerd
# shellcheck source=remote-access.sh
source "$ROOT/test/testbed/remote-access.sh"
make_tls_certs
# A dockerd of ours that lacks the TLS listener (started by an older test bed) is restarted with it.
if docker info >/dev/null 2>&1 && ! dockerd_tls_ok; then
  ours="$(cat "$STATE/dockerd.pid" 2>/dev/null || true)"
  if [ -n "$ours" ] && grep -qa dockerd "/proc/$ours/cmdline" 2>/dev/null; then
    log "restarting dockerd to add its TLS listener on 127.0.0.1:$ZDD_TEST_TLS_PORT"
    kill "$ours"
    for _ in $(seq 1 100); do kill -0 "$ours" 2>/dev/null || break; sleep 0.2; done
  else
    die "dockerd runs without the TLS listener on 127.0.0.1:$ZDD_TEST_TLS_PORT and was not started by the test bed; restart it with: dockerd $(dockerd_tls_args)"
  fi
fi
if ! docker info >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || die "docker info fails and only root can start dockerd here"
  log "starting dockerd (log: .testbed/dockerd.log)"
  # shellcheck disable=SC2046
  setsid dockerd $(dockerd_tls_args) >"$STATE/dockerd.log" 2>&1 </dev/null &
  echo $! >"$STATE/dockerd.pid"
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    kill -0 "$(cat "$STATE/dockerd.pid")" 2>/dev/null || break   # it died: stop waiting
    sleep 0.5
  done
  if ! docker info >/dev/null 2>&1; then
    tail -n 20 "$STATE/dockerd.log" >&2 || true
    die "dockerd did not come up within 30 s (see .testbed/dockerd.log)"
  fi
fi

dockerd_tls_ok || die "dockerd does not answer TLS clients on 127.0.0.1:$ZDD_TEST_TLS_PORT (see .testbed/dockerd.log)"
mark "dockerd up"
start_sshd
mark "sshd up"
# -------------------------------------------------------------------------------------------------- Swarm
swarm_state="$(docker info --format '{{.Swarm.LocalNodeState}}')"
case "$swarm_state" in
  active) ;;
  inactive)
    log "docker swarm init"
    docker swarm init --advertise-addr 127.0.0.1 >"$STATE/swarm-init.log" 2>&1 \
      || { cat "$STATE/swarm-init.log" >&2; die "docker swarm init failed"; } ;;
  *) die "Swarm is in state '$swarm_state'; fix it by hand (e.g. docker swarm leave --force) and run again" ;;
esac
[ "$(docker info --format '{{.Swarm.ControlAvailable}}')" = true ] || die "this node is not a Swarm manager"

mark "swarm active"
# --------------------------------------------------------------------------------------------- registries
http_code() { curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null || true; }

# start_registry NAME ADDR EXPECTED_CODE [auth]: writes .testbed/NAME/config.yml and serves it unless a
# registry with that very config already answers /v2/ on ADDR.
start_registry() {
  local name="$1" addr="$2" want="$3" auth="${4:-}" dir="$STATE/$1"
  mkdir -p "$dir/data"
  if [ -n "$auth" ]; then
    if ! [ -s "$dir/htpasswd" ] || ! htpasswd -vb "$dir/htpasswd" "$ZDD_TEST_REGISTRY_USER" "$ZDD_TEST_REGISTRY_PASSWORD" >/dev/null 2>&1; then
      htpasswd -Bbn "$ZDD_TEST_REGISTRY_USER" "$ZDD_TEST_REGISTRY_PASSWORD" >"$dir/htpasswd"
    fi
  fi
  {
    echo "# written by test/testbed/up.sh"
    echo "version: 0.1"
    echo "log:"
    echo "  level: warn"
    echo "  accesslog:"
    echo "    disabled: true"
    echo "storage:"
    echo "  filesystem:"
    echo "    rootdirectory: $dir/data"
    echo "  delete:"
    echo "    enabled: true"
    echo "  maintenance:"
    echo "    uploadpurging:"
    echo "      enabled: false"
    echo "http:"
    echo "  addr: $addr"
    echo "  headers:"
    echo "    X-Content-Type-Options: [nosniff]"
    if [ -n "$auth" ]; then
      echo "auth:"
      echo "  htpasswd:"
      echo "    realm: zdd-test"
      echo "    path: $dir/htpasswd"
    fi
  } >"$dir/config.yml.new"
  local code pid=""
  code="$(http_code "http://$addr/v2/")"
  [ -s "$dir/pid" ] && pid="$(cat "$dir/pid")"
  if [ "$code" = "$want" ] && cmp -s "$dir/config.yml.new" "$dir/config.yml"; then
    rm -f "$dir/config.yml.new"; return 0
  fi
  if [ "$code" != 000 ]; then
    # Something answers: restart it only if it is our own registry (config changed or wrong answer).
    if [ -n "$pid" ] && grep -qa docker-registry "/proc/$pid/cmdline" 2>/dev/null \
       && grep -qxF "  addr: $addr" "$dir/config.yml" 2>/dev/null; then
      log "restarting registry $name (config changed or /v2/ gave $code)"
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    elif [ "$code" = "$want" ] && { [ -z "$auth" ] || [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' \
           -u "$ZDD_TEST_REGISTRY_USER:$ZDD_TEST_REGISTRY_PASSWORD" "http://$addr/v2/" 2>/dev/null)" = 200 ]; }; then
      # Another checkout's test bed on this machine serves the same registry: use it as it is.
      rm -f "$dir/config.yml.new"
      log "registry $name: using the one already serving $addr"
      return 0
    else
      die "$addr answers /v2/ with HTTP $code but is not the test bed's registry (pid file .testbed/$name/pid); free the port"
    fi
  fi
  mv "$dir/config.yml.new" "$dir/config.yml"
  log "starting registry $name on $addr (log: .testbed/$name/registry.log)"
  setsid docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
  echo $! >"$dir/pid"
  for _ in $(seq 1 100); do
    code="$(http_code "http://$addr/v2/")"
    [ "$code" = "$want" ] && return 0
    kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 20 "$dir/registry.log" >&2 || true
  die "registry $name on $addr not ready (last /v2/ answer: $code, expected $want)"
}
start_registry registry-open "$ZDD_TEST_REGISTRY" 200
start_registry registry-auth "$ZDD_TEST_AUTH_REGISTRY" 401 auth

mark "registries ready"
# ------------------------------------------------------------------------------------------- Prometheus
# One job, zdd-test, whose targets are the files tests write in .testbed/prometheus/targets/*.json
# (file_sd; startProxy({ scrape: true }) in test/support/proxy.ts registers a proxy's exporter there).
# Started here, waited for after the image builds. Reused when it already answers /-/ready.
PROM_DIR="$STATE/prometheus"
PROM_ADDR="${PROMETHEUS_URL#http://}"; PROM_ADDR="${PROM_ADDR%/}"
mkdir -p "$PROM_DIR/targets" "$PROM_DIR/data"
cat >"$PROM_DIR/prometheus.yml.new" <<YAML
# written by test/testbed/up.sh
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: zdd-test
    file_sd_configs:
      - files:
          - $PROM_DIR/targets/*.json
        refresh_interval: 1s
YAML
prom_ready() { [ "$(http_code "$PROMETHEUS_URL/-/ready")" = 200 ]; }
prom_ours() { # our pid file names a live prometheus started with our config
  local pid
  pid="$(cat "$PROM_DIR/pid" 2>/dev/null || true)"
  [ -n "$pid" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "--config.file=$PROM_DIR/prometheus.yml"
}
prom_started=0
if prom_ready || prom_ours; then
  if prom_ours; then
    if ! cmp -s "$PROM_DIR/prometheus.yml.new" "$PROM_DIR/prometheus.yml"; then
      mv "$PROM_DIR/prometheus.yml.new" "$PROM_DIR/prometheus.yml"
      log "reloading Prometheus (config changed)"
      curl -sf -m 5 -X POST "$PROMETHEUS_URL/-/reload" >/dev/null || die "POST $PROMETHEUS_URL/-/reload failed (see .testbed/prometheus/prometheus.log)"
    fi
  elif curl -sf -m 2 "$PROMETHEUS_URL/api/v1/status/config" | grep -q 'job_name: zdd-test'; then
    log "Prometheus: using the one already serving $PROM_ADDR (its targets folder: see its /api/v1/status/config)"
  else
    die "$PROMETHEUS_URL answers /-/ready but has no zdd-test job (not the test bed's Prometheus; a system service?); stop it or set PROMETHEUS_URL"
  fi
  rm -f "$PROM_DIR/prometheus.yml.new"
else
  [ "$(http_code "$PROMETHEUS_URL/-/healthy")" = 000 ] || die "$PROM_ADDR answers HTTP but is not a ready Prometheus; free the port"
  mv "$PROM_DIR/prometheus.yml.new" "$PROM_DIR/prometheus.yml"
  log "starting Prometheus on $PROM_ADDR (log: .testbed/prometheus/prometheus.log)"
  setsid prometheus --config.file="$PROM_DIR/prometheus.yml" --web.listen-address="$PROM_ADDR" \
    --storage.tsdb.path="$PROM_DIR/data" --storage.tsdb.retention.time=1d --web.enable-lifecycle \
    >"$PROM_DIR/prometheus.log" 2>&1 </dev/null &
  echo $! >"$PROM_DIR/pid"
  prom_started=1
fi
# wait_prometheus: until /-/ready answers 200 (30 s at most).
wait_prometheus() {
  for _ in $(seq 1 300); do
    prom_ready && return 0
    if [ "$prom_started" = 1 ] && ! kill -0 "$(cat "$PROM_DIR/pid")" 2>/dev/null; then break; fi
    sleep 0.1
  done
  tail -n 20 "$PROM_DIR/prometheus.log" >&2 || true
  die "Prometheus on $PROM_ADDR not ready (see .testbed/prometheus/prometheus.log)"
}
mark "Prometheus started"
# ---------------------------------------------------------------------------- leftovers labelled zdd.test=1
# Services first (their tasks go away with them), then plain containers; networks at the end of the
# script, once the tasks' endpoints are gone.
# ZDD_TEST_KEEP_LEFTOVERS=1 skips this (and the network/config clean-up below): use it when running up.sh
# on a machine where other test runs are in progress on the same daemon.
if [ "${ZDD_TEST_KEEP_LEFTOVERS:-0}" != 1 ]; then
  leftover_services="$(docker service ls -q --filter label=zdd.test=1)"
  if [ -n "$leftover_services" ]; then
    log "removing $(wc -w <<<"$leftover_services") leftover service(s) labelled zdd.test=1"
    # shellcheck disable=SC2086
    docker service rm $leftover_services >/dev/null 2>&1 || true
  fi
  leftover_containers="$(docker ps -aq --filter label=zdd.test=1)"
  if [ -n "$leftover_containers" ]; then
    log "removing $(wc -w <<<"$leftover_containers") leftover container(s) labelled zdd.test=1"
    # A removal already under way (a killed run's cleanup, a service's tasks) is fine: it is going.
    # shellcheck disable=SC2086
    docker rm -f -v $leftover_containers >/dev/null 2>&1 || true
  fi
  # Deploy locks and run records (Swarm configs) that killed test runs left behind.
  leftover_configs="$(docker config ls -q --filter label=zdd.lock-of; docker config ls -q --filter label=zdd.run-of)"
  if [ -n "$leftover_configs" ]; then
    # shellcheck disable=SC2086
    docker config rm $leftover_configs >/dev/null 2>&1 || true
  fi
  # Their proxies are gone: so are the scrape targets tests registered for them.
  rm -f "$PROM_DIR"/targets/*.json
fi
mark "leftover services/containers removed"
# ----------------------------------------------------------------------------------------------- images
# copy_if_changed SRC DEST: keeps mtimes stable when nothing changed.
copy_if_changed() { cmp -s "$1" "$2" 2>/dev/null || { mkdir -p "$(dirname "$2")"; cp -L "$1" "$2"; }; }
copy_if_changed /bin/busybox "$APP_DIR/busybox"
copy_if_changed /bin/busybox "$PROXY_DIR/rootfs/bin/busybox"
copy_if_changed /usr/sbin/haproxy "$PROXY_DIR/rootfs/usr/sbin/haproxy"
for lib in $(ldd /usr/sbin/haproxy | grep -o '/[^ ]*' | sort -u); do
  copy_if_changed "$lib" "$PROXY_DIR/rootfs$lib"
done

# context_hash DIR: content hash of every file of a build context (names, modes and bytes).
context_hash() {
  (cd "$1" && find . -type f -printf '%p %m\n' | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) \
    | sha256sum | cut -c1-32
}
# build TAG CONTEXT CONTEXT_HASH [KEY=VALUE...]: quiet docker build, skipped when .testbed/images/<tag>
# says the image now under TAG was built from this very context and these args (a stamp file rather than
# an image label: with the legacy builder every extra instruction costs a container commit).
build() {
  local tag="$1" ctx="$2" inputs args=() kv safe="${1//[^a-zA-Z0-9.-]/_}" id
  local logf="$STATE/build-$safe.log" stamp="$STATE/images/$safe"
  inputs="$(printf '%s %s' "$3" "${*:4}" | sha256sum | cut -c1-32)"
  shift 3
  id="$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)"
  if [ -n "$id" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$inputs $id" ]; then return 0; fi
  for kv in "$@"; do args+=(--build-arg "$kv"); done
  docker build -q "${args[@]}" -t "$tag" "$ctx" >"$logf" 2>&1 \
    || { cat "$logf" >&2; die "docker build of $tag failed"; }
  mkdir -p "$STATE/images"
  echo "$inputs $(docker image inspect --format '{{.Id}}' "$tag")" >"$stamp"
}
# The first app variant builds alone (with the proxy) so that the others find its shared layers in the
# cache; the other variants then differ in their last layer only and build in parallel.
build_variant() {
  local tag="${1%%|*}" vargs
  read -r -a vargs <<<"${1#*|}"
  [[ " ${vargs[*]-} " == *" VERSION="* ]] || vargs=("VERSION=$tag" ${vargs[@]+"${vargs[@]}"})
  build "$APP_REPO:$tag" "$APP_DIR" "$app_hash" "${vargs[@]}"
}
app_hash="$(context_hash "$APP_DIR")"
proxy_hash="$(context_hash "$PROXY_DIR")"
pids=()
build "$PROXY_IMAGE" "$PROXY_DIR" "$proxy_hash" & pids+=($!)
build_variant "${APP_VARIANTS[0]}" & pids+=($!)
for pid in "${pids[@]}"; do wait "$pid" || die "image build failed (see above and .testbed/build-*.log)"; done
mark "proxy and first app variant built"
pids=()
for variant in "${APP_VARIANTS[@]:1}"; do build_variant "$variant" & pids+=($!); done
for pid in "${pids[@]}"; do wait "$pid" || die "image build failed (see above and .testbed/build-*.log)"; done
# shellcheck source=node-fixture.sh
source "$ROOT/test/testbed/node-fixture.sh"
build_node_fixtures
mark "images built"
# push REF [DOCKER_CONFIG_DIR]: skipped when the registry already holds this very image under REF
# (the local image's RepoDigests entry for the repo equals the registry's manifest digest for the tag).
manifest_digest() { # REF -> digest from the registry (auth registry: basic auth)
  local ref="$1" reg="${1%%/*}" rest="${1#*/}" curl_auth=()
  [ "$reg" = "$ZDD_TEST_AUTH_REGISTRY" ] && curl_auth=(-u "$ZDD_TEST_REGISTRY_USER:$ZDD_TEST_REGISTRY_PASSWORD")
  curl -sfI -m 5 ${curl_auth[@]+"${curl_auth[@]}"} \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$reg/v2/${rest%:*}/manifests/${rest##*:}" 2>/dev/null \
    | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}'
}
push() {
  local ref="$1" cfg="${2:-}" repo="${1%:*}" remote local_digests
  remote="$(manifest_digest "$ref" || true)"
  local_digests="$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$ref")"
  if [ -n "$remote" ] && grep -qxF "$repo@$remote" <<<"$local_digests"; then return 0; fi
  if [ -n "$cfg" ]; then
    DOCKER_CONFIG="$cfg" docker push -q "$ref" >"$STATE/push.log" 2>&1
  else
    docker push -q "$ref" >"$STATE/push.log" 2>&1
  fi || { cat "$STATE/push.log" >&2; die "docker push $ref failed"; }
}
for variant in "${APP_VARIANTS[@]}"; do push "$APP_REPO:${variant%%|*}"; done
push_node_fixtures

mark "images pushed to the open registry"
# The app v1 also goes to the auth registry; the login is kept in a docker config of the test bed's own
# (.testbed/docker-config) so that ~/.docker/config.json holds no test credentials.
docker tag "$APP_REPO:v1" "$AUTH_APP_REPO:v1"
if [ -z "$(manifest_digest "$AUTH_APP_REPO:v1")" ] || ! docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$AUTH_APP_REPO:v1" | grep -qxF "$AUTH_APP_REPO@$(manifest_digest "$AUTH_APP_REPO:v1")"; then
  mkdir -p "$STATE/docker-config"
  printf '%s' "$ZDD_TEST_REGISTRY_PASSWORD" | DOCKER_CONFIG="$STATE/docker-config" \
    docker login -u "$ZDD_TEST_REGISTRY_USER" --password-stdin "$ZDD_TEST_AUTH_REGISTRY" >"$STATE/login.log" 2>&1 \
    || { cat "$STATE/login.log" >&2; die "docker login $ZDD_TEST_AUTH_REGISTRY failed"; }
  push "$AUTH_APP_REPO:v1" "$STATE/docker-config"
fi
mark "app v1 pushed to the auth registry"
# Old untagged builds of the fixtures.
[ "${ZDD_TEST_KEEP_LEFTOVERS:-0}" = 1 ] || docker image prune -f --filter label=zdd.fixture >/dev/null 2>&1 || true

mark "old builds pruned"
wait_prometheus
mark "Prometheus ready"
# ---------------------------------------------------------------------------- leftover networks, configs
if [ "${ZDD_TEST_KEEP_LEFTOVERS:-0}" != 1 ]; then
  for kind in config secret; do
    ids="$(docker "$kind" ls -q --filter label=zdd.test=1 2>/dev/null || true)"
    # shellcheck disable=SC2086
    [ -z "$ids" ] || docker "$kind" rm $ids >/dev/null 2>&1 || true
  done
  # Networks go once the endpoints of the removed tasks/containers are gone. One still in use after 20 s
  # (e.g. by a container that is not the test bed's) is only a warning: tests use unique names.
  remaining=""
  for _ in $(seq 1 40); do
    remaining="$(docker network ls -q --filter label=zdd.test=1)"
    [ -z "$remaining" ] && break
    # shellcheck disable=SC2086
    docker network rm $remaining >/dev/null 2>&1 || true
    remaining="$(docker network ls -q --filter label=zdd.test=1)"
    [ -z "$remaining" ] && break
    sleep 0.5
  done
  [ -z "$remaining" ] || log "WARNING: networks labelled zdd.test=1 still in use after 20 s, left in place: $(echo $remaining)"
fi
mark "leftover networks removed"
log "test bed ready in $(elapsed): swarm manager, registries $ZDD_TEST_REGISTRY (open) and $ZDD_TEST_AUTH_REGISTRY (auth), images $APP_REPO:{v1,v2,v3,bad-health,bad-gate,crash,nohc-v1,nohc-v2,bad-errors}, $ZDD_TEST_NODE_REPO:{v1,v2,v3,bad-sigterm-v1,bad-sigterm-v2,bad-health,bad-errors}, $AUTH_APP_REPO:v1, $PROXY_IMAGE, Prometheus $PROMETHEUS_URL, dockerd over TLS on 127.0.0.1:$ZDD_TEST_TLS_PORT and over SSH on 127.0.0.1:$ZDD_TEST_SSH_PORT"
