#!/usr/bin/env bash
# A real rolling update on the local test bed, run through the bundled action (dist/index.js) the way
# a GitHub runner runs it. Creates a 3-replica service of the fixture app v1 behind HAProxy, then
# builds v2 from test/fixtures/app, pushes it and rolls it out batch by batch with the health gate.
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/testbed/up.sh
source test/testbed/env.sh
service=zdd-demo
network=zdd-demo-net
proxy=zdd-demo-proxy
port=18080
docker service rm "$service" >/dev/null 2>&1 || true
docker rm -f "$proxy" >/dev/null 2>&1 || true
docker network inspect "$network" >/dev/null 2>&1 || docker network create -d overlay --attachable --label zdd.test=1 "$network" >/dev/null
echo "Creating $service (3 replicas of $ZDD_TEST_APP_REPO:v1) behind HAProxy on 127.0.0.1:$port"
docker service create -d --name "$service" --label zdd.test=1 --replicas 3 --endpoint-mode dnsrr \
  --network "$network" "$ZDD_TEST_APP_REPO:v1" >/dev/null
mkdir -p .testbed/demo
cat > .testbed/demo/haproxy.cfg <<CFG
global
  maxconn 1000
defaults
  mode http
  timeout connect 2s
  timeout client 10s
  timeout server 10s
  retries 3
  option redispatch
resolvers docker
  nameserver dns 127.0.0.11:53
  hold valid 1s
  hold obsolete 0s
frontend web
  bind :80
  default_backend app
backend app
  balance roundrobin
  server-template task 10 tasks.$service:80 check inter 1s fall 2 rise 1 resolvers docker init-addr none
CFG
docker run -d --name "$proxy" --label zdd.test=1 --network "$network" -p "127.0.0.1:$port:80" \
  -v "$PWD/.testbed/demo/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" "$ZDD_TEST_PROXY_IMAGE" >/dev/null
for _ in $(seq 1 60); do
  [ "$(curl -s -m 1 "http://127.0.0.1:$port/version" || true)" = v1 ] && break
  sleep 1
done
echo "Serving: $(curl -s "http://127.0.0.1:$port/version")"

out=$(mktemp -d)
: >"$out/output"; : >"$out/summary"; : >"$out/state"
# The files a runner gives a step: outputs, the job summary, and the state kept for the post step.
env GITHUB_SHA="$(git rev-parse HEAD 2>/dev/null || echo demo0000000000)" GITHUB_OUTPUT="$out/output" \
  GITHUB_STEP_SUMMARY="$out/summary" GITHUB_STATE="$out/state" RUNNER_TEMP="$out" \
  INPUT_IMAGE="$ZDD_TEST_APP_REPO" INPUT_CONTEXT=test/fixtures/app INPUT_BUILD-ARGS="VERSION=v2-demo" \
  INPUT_SERVICE="$service" INPUT_HEALTH-URL="http://127.0.0.1:$port/health" \
  INPUT_HEALTH-INTERVAL=1s INPUT_MONITOR=15s \
  node_modules/.bin/node dist/index.js && rc=0 || rc=$?
echo
echo "── outputs"; grep -v '^ghadelimiter' "$out/output" | paste -sd' ' | sed 's/<<[^ ]*//g'
echo "── summary"; cat "$out/summary"
echo "Serving now: $(curl -s "http://127.0.0.1:$port/version")"
exit $rc
