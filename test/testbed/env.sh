# Test bed settings shared by test/testbed/up.sh, scripts and tests: `source test/testbed/env.sh`.
# test/support/testbed.ts reads the same variables (with the same defaults) from process.env.
export ZDD_TEST_REGISTRY="${ZDD_TEST_REGISTRY:-127.0.0.1:5000}"            # open registry
export ZDD_TEST_AUTH_REGISTRY="${ZDD_TEST_AUTH_REGISTRY:-127.0.0.1:5001}"  # htpasswd basic auth registry
export ZDD_TEST_REGISTRY_USER="${ZDD_TEST_REGISTRY_USER:-zdd-test}"
export ZDD_TEST_REGISTRY_PASSWORD="${ZDD_TEST_REGISTRY_PASSWORD:-zdd-test-secret-9f3b}"
export ZDD_TEST_APP_REPO="${ZDD_TEST_APP_REPO:-$ZDD_TEST_REGISTRY/zdd-fixture-app}"   # tags: see up.sh
export ZDD_TEST_NODE_REPO="${ZDD_TEST_NODE_REPO:-$ZDD_TEST_REGISTRY/zdd-fixture-node}" # tags: see node-fixture.sh
export ZDD_TEST_PROXY_IMAGE="${ZDD_TEST_PROXY_IMAGE:-zdd-haproxy:local}"            # local only, not pushed
export PROMETHEUS_URL="${PROMETHEUS_URL:-http://127.0.0.1:9090}"                  # test bed's Prometheus (up.sh)
export ZDD_TEST_TLS_PORT="${ZDD_TEST_TLS_PORT:-2376}"    # dockerd's TLS listener on 127.0.0.1 (client certs in .testbed/tls)
export ZDD_TEST_SSH_PORT="${ZDD_TEST_SSH_PORT:-2222}"    # the test bed's sshd on 127.0.0.1 (keys in .testbed/ssh)
export ZDD_TEST_SSH_PASSPHRASE="${ZDD_TEST_SSH_PASSPHRASE:-zdd-test-passphrase-4c1e}"  # of .testbed/ssh/client_enc_ed25519
export ZDD_TEST_REMOTE_DIR="${ZDD_TEST_REMOTE_DIR:-/var/tmp/zdd-testbed-remote}"  # TLS certs and SSH keys of the machine's test bed
