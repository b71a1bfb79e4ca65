# Remote access to the test bed's dockerd, sourced by up.sh (needs its log/die/STATE):
#   - TLS: a CA, a server certificate for 127.0.0.1 and a client certificate in $ZDD_TEST_REMOTE_DIR/tls/, plus a
#     second CA with a client certificate of its own (a "wrong" client cert, which dockerd must refuse).
#     dockerd listens on tcp://127.0.0.1:$ZDD_TEST_TLS_PORT with --tlsverify (see dockerd_tls_args).
#   - SSH: an sshd of our own on 127.0.0.1:$ZDD_TEST_SSH_PORT with its own host key and one authorized
#     client key (and an encrypted one), in $ZDD_TEST_REMOTE_DIR/ssh/; known_hosts (right) and known_hosts.wrong (another host key).
# Every key and certificate is made here, on the machine, the first time; none is committed.

# Kept per machine, not per checkout: dockerd and sshd are the machine's, so a second checkout's test bed
# (or a clean clone run beside this one) must use the same certificates and keys.
TLS_DIR="$ZDD_TEST_REMOTE_DIR/tls"
SSH_DIR="$ZDD_TEST_REMOTE_DIR/ssh"

# make_cert NAME CA_NAME SUBJECT_CN EXTFILE_CONTENT: key + certificate signed by CA_NAME (both in TLS_DIR).
make_cert() {
  local name="$1" ca="$2" cn="$3" ext="$4"
  openssl genrsa -out "$TLS_DIR/$name-key.pem" 2048 2>/dev/null
  openssl req -new -key "$TLS_DIR/$name-key.pem" -subj "/CN=$cn" -out "$TLS_DIR/$name.csr" 2>/dev/null
  printf '%s\n' "$ext" >"$TLS_DIR/$name.ext"
  openssl x509 -req -days 3650 -sha256 -in "$TLS_DIR/$name.csr" -CA "$TLS_DIR/$ca.pem" -CAkey "$TLS_DIR/$ca-key.pem" \
    -CAcreateserial -extfile "$TLS_DIR/$name.ext" -out "$TLS_DIR/$name.pem" 2>/dev/null
  rm -f "$TLS_DIR/$name.csr" "$TLS_DIR/$name.ext"
}
make_ca() {
  openssl genrsa -out "$TLS_DIR/$1-key.pem" 2048 2>/dev/null
  openssl req -new -x509 -days 3650 -sha256 -key "$TLS_DIR/$1-key.pem" -subj "/CN=$2" -out "$TLS_DIR/$1.pem" 2>/dev/null
}

# make_tls_certs: once; the set is complete or remade as a whole.
make_tls_certs() {
  local f complete=1
  for f in ca server server-key client client-key rogue-ca rogue-client rogue-client-key; do
    [ -s "$TLS_DIR/$f.pem" ] || complete=0
  done
  [ "$complete" = 1 ] && return 0
  log "making TLS certificates for dockerd on 127.0.0.1:$ZDD_TEST_TLS_PORT ($TLS_DIR)"
  rm -rf "$TLS_DIR" && mkdir -p "$TLS_DIR" && chmod 700 "$TLS_DIR"
  make_ca ca "zdd test CA"
  make_cert server ca 127.0.0.1 "subjectAltName = IP:127.0.0.1,DNS:localhost
extendedKeyUsage = serverAuth"
  make_cert client ca zdd-client "extendedKeyUsage = clientAuth"
  make_ca rogue-ca "zdd rogue CA"
  make_cert rogue-client rogue-ca zdd-client "extendedKeyUsage = clientAuth"
}

dockerd_tls_args() {
  echo "-H unix:///var/run/docker.sock -H tcp://127.0.0.1:$ZDD_TEST_TLS_PORT --tlsverify" \
    "--tlscacert $TLS_DIR/ca.pem --tlscert $TLS_DIR/server.pem --tlskey $TLS_DIR/server-key.pem"
}

# dockerd_tls_ok: the TLS listener answers /_ping to our client certificate.
dockerd_tls_ok() {
  [ "$(curl -s -m 3 --cacert "$TLS_DIR/ca.pem" --cert "$TLS_DIR/client.pem" --key "$TLS_DIR/client-key.pem" \
    "https://127.0.0.1:$ZDD_TEST_TLS_PORT/_ping" 2>/dev/null)" = OK ]
}

# start_sshd: keys once; sshd (re)started unless ours already answers on the port with this config.
start_sshd() {
  mkdir -p "$SSH_DIR" && chmod 700 "$SSH_DIR"
  [ -s "$SSH_DIR/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C zdd-test-host -f "$SSH_DIR/host_ed25519"
  [ -s "$SSH_DIR/other_host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C zdd-test-other-host -f "$SSH_DIR/other_host_ed25519"
  [ -s "$SSH_DIR/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C zdd-test-client -f "$SSH_DIR/client_ed25519"
  # The same kind of key, encrypted: for the passphrase tests (ssh-key-passphrase).
  [ -s "$SSH_DIR/client_enc_ed25519" ] || ssh-keygen -q -t ed25519 -N "$ZDD_TEST_SSH_PASSPHRASE" -C zdd-test-client-enc -f "$SSH_DIR/client_enc_ed25519"
  cat "$SSH_DIR/client_ed25519.pub" "$SSH_DIR/client_enc_ed25519.pub" >"$SSH_DIR/authorized_keys"
  echo "[127.0.0.1]:$ZDD_TEST_SSH_PORT $(cut -d' ' -f1,2 "$SSH_DIR/host_ed25519.pub")" >"$SSH_DIR/known_hosts"
  echo "[127.0.0.1]:$ZDD_TEST_SSH_PORT $(cut -d' ' -f1,2 "$SSH_DIR/other_host_ed25519.pub")" >"$SSH_DIR/known_hosts.wrong"
  cat >"$SSH_DIR/sshd_config.new" <<CONF
# written by test/testbed/up.sh
Port $ZDD_TEST_SSH_PORT
ListenAddress 127.0.0.1
HostKey $SSH_DIR/host_ed25519
PidFile $SSH_DIR/sshd.pid
AuthorizedKeysFile $SSH_DIR/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
# each dockerode call over SSH opens a connection of its own
MaxStartups 100:30:200
MaxSessions 100
CONF
  local pid=""
  [ -s "$SSH_DIR/sshd.pid" ] && pid="$(cat "$SSH_DIR/sshd.pid")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && cmp -s "$SSH_DIR/sshd_config.new" "$SSH_DIR/sshd_config"; then
    rm -f "$SSH_DIR/sshd_config.new"; return 0
  fi
  [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  mv "$SSH_DIR/sshd_config.new" "$SSH_DIR/sshd_config"
  [ "$(id -u)" = 0 ] || die "sshd for the SSH tests must be started as root (it logs in as root)"
  mkdir -p /run/sshd
  log "starting sshd on 127.0.0.1:$ZDD_TEST_SSH_PORT (log: $SSH_DIR/sshd.log)"
  /usr/sbin/sshd -f "$SSH_DIR/sshd_config" -E "$SSH_DIR/sshd.log" || die "sshd did not start (see $SSH_DIR/sshd.log)"
  for _ in $(seq 1 50); do
    ssh -q -p "$ZDD_TEST_SSH_PORT" -i "$SSH_DIR/client_ed25519" -o BatchMode=yes -o UserKnownHostsFile="$SSH_DIR/known_hosts" \
      -o StrictHostKeyChecking=yes root@127.0.0.1 'docker version --format "{{.Server.Version}}"' >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  die "sshd on 127.0.0.1:$ZDD_TEST_SSH_PORT does not let the test key run docker (see $SSH_DIR/sshd.log)"
}
