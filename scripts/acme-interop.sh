#!/usr/bin/env bash
# Real ACME clients (certbot, lego) against an ACME server, every certificate checked with openssl.
#
#   scripts/acme-interop.sh pebble    # Debian's pebble, the reference server
#   scripts/acme-interop.sh service   # this service (built into dist/ when missing or stale)
#
# The same runs in both modes: certbot --standalone http-01 without and with EAB (and an account
# without EAB refused where it is required), certbot --manual dns-01 for a wildcard (hooks set the
# TXT record in pebble-challtestsrv), lego http-01 and tls-alpn-01 with EAB, certbot revoke (by the
# account key, and by the certificate's own key) and a look at the server's revocation status.
# pebble-challtestsrv is the DNS server of the ACME server under test and answers A=127.0.0.1 for
# every name, so no /etc/hosts change is needed. Everything listens on 127.0.0.1, on free ports.
# One PASS/FAIL line per step; exit status 1 if any failed.
# KEEP_WORK=1 keeps the temporary directory (logs, configs, certificates) for a look afterwards.
set -euo pipefail

MODE=${1:-}
case "$MODE" in
  pebble | service) ;;
  *)
    echo "usage: $0 pebble|service" >&2
    exit 2
    ;;
esac

REPO=$(cd "$(dirname "$0")/.." && pwd)
for tool in certbot lego pebble pebble-challtestsrv openssl curl jq node; do
  command -v "$tool" >/dev/null 2>&1 || { echo "FAIL $MODE setup: $tool is not installed" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/acme-interop.XXXXXX")
mkdir -p "$WORK/logs"
PIDS=()
FAILED=()
STEP_TIMEOUT=${STEP_TIMEOUT:-300}

SETUP_DONE=0
cleanup() {
  local rc=$? pid out
  if [ "$SETUP_DONE" = 0 ] && [ "$rc" != 0 ]; then
    echo "FAIL $MODE setup"
    for out in "$WORK"/logs/*.out; do
      [ -s "$out" ] || continue
      echo "    last lines of $(basename "$out"):"
      tail -n 15 "$out" | sed 's/^/    | /'
    done
  fi
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

log() { echo "== $*"; }

# Every port at once, so that none is handed out twice.
read -r DNS_PORT CTS_MGMT_PORT HTTP01_PORT TLSALPN01_PORT PORT_A PORT_B PORT_C PORT_D < <(
  node -e '
    const net = require("node:net");
    const servers = Array.from({ length: 8 }, () => net.createServer().listen(0, "127.0.0.1"));
    Promise.all(servers.map((s) => new Promise((r) => s.once("listening", r)))).then(() => {
      console.log(servers.map((s) => s.address().port).join(" "));
      servers.forEach((s) => s.close());
    });'
)

# Waits until a URL answers (any HTTP status); curl options after the URL.
wait_for_url() {
  local url=$1 what=$2
  shift 2
  for _ in $(seq 1 150); do
    if curl -s -o /dev/null "$@" "$url"; then return 0; fi
    sleep 0.2
  done
  echo "FAIL $MODE setup: $what did not answer at $url" >&2
  exit 1
}

# A step runs in a background subshell: there `set -e` holds (it does not inside an `if`), and the
# step's own variables stay its own. Its output goes to a log, shown only when it fails.
run_step() {
  local name=$1
  shift
  local log_file="$WORK/logs/$name.log" server_lines
  server_lines=$(wc -l <"$SERVER_LOG")
  ("$@") >"$log_file" 2>&1 &
  local pid=$!
  if wait "$pid"; then
    echo "PASS $MODE $name"
  else
    echo "FAIL $MODE $name"
    tail -n 40 "$log_file" | sed 's/^/    | /'
    echo "    $(basename "$SERVER_LOG") meanwhile (last 10 lines):"
    tail -n +"$((server_lines + 1))" "$SERVER_LOG" | tail -n 10 | sed 's/^/    | /'
    FAILED+=("$name")
  fi
}

# ---------------------------------------------------------------------------------------------
# pebble-challtestsrv: DNS only (A=127.0.0.1, no AAAA, TXT through its management API); its own
# http-01/https-01/tls-alpn-01 responders are off so that the clients' own listeners can bind.
log "pebble-challtestsrv: DNS 127.0.0.1:$DNS_PORT, management 127.0.0.1:$CTS_MGMT_PORT"
pebble-challtestsrv -dns01 "127.0.0.1:$DNS_PORT" -management "127.0.0.1:$CTS_MGMT_PORT" \
  -http01 "" -https01 "" -tlsalpn01 "" -defaultIPv4 127.0.0.1 -defaultIPv6 "" \
  >"$WORK/logs/challtestsrv.out" 2>&1 &
PIDS+=($!)
wait_for_url "http://127.0.0.1:$CTS_MGMT_PORT/" "pebble-challtestsrv"

CTS="http://127.0.0.1:$CTS_MGMT_PORT"
mkdir -p "$WORK/hooks"
cat >"$WORK/hooks/auth.sh" <<EOF
#!/usr/bin/env bash
# certbot --manual-auth-hook: publish the dns-01 TXT record.
set -euo pipefail
curl -sf -X POST "$CTS/set-txt" \\
  -d "{\"host\":\"_acme-challenge.\${CERTBOT_DOMAIN}.\",\"value\":\"\${CERTBOT_VALIDATION}\"}"
EOF
cat >"$WORK/hooks/cleanup.sh" <<EOF
#!/usr/bin/env bash
# certbot --manual-cleanup-hook: remove it again.
set -euo pipefail
curl -sf -X POST "$CTS/clear-txt" -d "{\"host\":\"_acme-challenge.\${CERTBOT_DOMAIN}.\"}"
EOF
chmod +x "$WORK/hooks/auth.sh" "$WORK/hooks/cleanup.sh"

# ---------------------------------------------------------------------------------------------
# Each mode defines: DIRECTORY_OPEN and DIRECTORY_EAB (directory URLs, EAB not required / required),
# root_of open|eab (prints the path of the root certificate that server's chains end at),
# eab_key N (prints "kid hmac" of a fresh EAB credential for the EAB directory) and
# check_revoked open|eab leaf.pem (succeeds when the server reports the certificate revoked).

start_pebble() {
  local name=$1 port=$2 mgmt=$3 eab=$4
  local dir="$WORK/pebble-$name"
  mkdir -p "$dir"
  jq -n --arg listen "127.0.0.1:$port" --arg mgmt "127.0.0.1:$mgmt" \
    --arg cert "$WORK/tls/server.pem" --arg key "$WORK/tls/server.key" \
    --argjson http "$HTTP01_PORT" --argjson tls "$TLSALPN01_PORT" --argjson eab "$eab" \
    --slurpfile keys "$WORK/tls/eab-keys.json" \
    '{pebble: ({listenAddress: $listen, managementListenAddress: $mgmt, certificate: $cert, privateKey: $key,
       httpPort: $http, tlsPort: $tls, ocspResponderURL: "", externalAccountBindingRequired: $eab}
       + (if $eab then {externalAccountMACKeys: $keys[0]} else {} end))}' >"$dir/config.json"
  PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 \
    pebble -config "$dir/config.json" -dnsserver "127.0.0.1:$DNS_PORT" >"$WORK/logs/pebble-$name.out" 2>&1 &
  PIDS+=($!)
  wait_for_url "https://127.0.0.1:$port/dir" "pebble ($name)" --cacert "$WORK/tls/ca.pem"
  curl -sf --cacert "$WORK/tls/ca.pem" "https://127.0.0.1:$mgmt/roots/0" -o "$dir/root.pem"
}

setup_pebble() {
  # The Debian package ships no test certificate (dpkg -L pebble): a throw-away TLS CA and a
  # server certificate for 127.0.0.1, which the clients trust through the two variables below.
  mkdir -p "$WORK/tls"
  (
    cd "$WORK/tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
      -days 2 -subj "/CN=acme-interop TLS CA" 2>/dev/null
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
      -subj "/CN=127.0.0.1" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
      -extfile server.ext -out server.pem 2>/dev/null
  )
  export REQUESTS_CA_BUNDLE="$WORK/tls/ca.pem" LEGO_CA_CERTIFICATES="$WORK/tls/ca.pem"

  # EAB credentials configured in the EAB instance: kid-N, HMAC keys base64url without padding.
  local n
  for n in 1 2 3 4 5 6; do
    printf 'kid-%s\t%s\n' "$n" "$(openssl rand 32 | base64 | tr '+/' '-_' | tr -d '=\n')"
  done >"$WORK/tls/eab-keys.tsv"
  jq -Rn '[inputs | split("\t") | {(.[0]): .[1]}] | add' "$WORK/tls/eab-keys.tsv" >"$WORK/tls/eab-keys.json"

  # Two instances: EAB not required (PORT_A, management PORT_B) and required (PORT_C, PORT_D).
  log "pebble: https://127.0.0.1:$PORT_A/dir (no EAB), https://127.0.0.1:$PORT_C/dir (EAB required)"
  start_pebble open "$PORT_A" "$PORT_B" false
  start_pebble eab "$PORT_C" "$PORT_D" true
  DIRECTORY_OPEN="https://127.0.0.1:$PORT_A/dir"
  DIRECTORY_EAB="https://127.0.0.1:$PORT_C/dir"
}

pebble_root_of() { echo "$WORK/pebble-$1/root.pem"; }

pebble_eab_key() { sed -n "${1}p" "$WORK/tls/eab-keys.tsv" | tr '\t' ' '; }

pebble_check_revoked() {
  local which=$1 leaf=$2 mgmt serial status
  if [ "$which" = open ]; then mgmt=$PORT_B; else mgmt=$PORT_D; fi
  serial=$(serial_of "$leaf")
  status=$(curl -sf --cacert "$WORK/tls/ca.pem" "https://127.0.0.1:$mgmt/cert-status-by-serial/$serial")
  jq '{Serial, Status, Reason, RevokedAt}' <<<"$status"
  jq -e '.Status == "Revoked"' <<<"$status" >/dev/null
}

# ---------------------------------------------------------------------------------------------
SERVICE_PASSWORD=interop-password-1

# curl for the REST API: fails on an HTTP error, and shows the answer when it does.
api() {
  local method=$1 path=$2
  shift 2
  local out status
  out=$(mktemp "$WORK/api.XXXXXX")
  status=$(curl -s -o "$out" -w '%{http_code}' -X "$method" "$API$path" -H "Authorization: Bearer $TOKEN" "$@")
  if [ "${status:0:1}" != 2 ]; then
    echo "$method $path answered $status: $(cat "$out")" >&2
    return 1
  fi
  cat "$out"
}

sign_in() {
  curl -sf "$API/auth/token" --data-urlencode "username=$1" --data-urlencode "password=$SERVICE_PASSWORD" \
    | jq -er .access_token
}

setup_service() {
  cd "$REPO"
  if [ ! -f dist/src/main.js ] || [ -n "$(find src migrations package.json -newer dist/src/main.js -print -quit)" ]; then
    log "npm run build (dist/ missing or older than the sources)"
    npm run build >"$WORK/logs/build.out" 2>&1 || { tail -n 40 "$WORK/logs/build.out"; exit 1; }
  fi
  local port=$PORT_A
  BASE="http://127.0.0.1:$port"
  API="$BASE/api/v1"
  log "service: $BASE (data in $WORK/service-data), ACME DNS 127.0.0.1:$DNS_PORT"
  # The clients' responders are on 127.0.0.1, which the default ACME_VALIDATION_DENY_NETWORKS denies
  # (the service's own host): this harness allows loopback and keeps the metadata networks denied.
  env HOST=127.0.0.1 PORT="$port" PUBLIC_BASE_URL="$BASE" DATA_DIR="$WORK/service-data" \
    LOG_LEVEL=warn BCRYPT_ROUNDS=4 ACCESS_TOKEN_EXPIRE_MINUTES=120 \
    ACME_VALIDATION_DENY_NETWORKS=169.254.0.0/16,fe80::/10,fd00:ec2::/32 \
    ACME_DNS_RESOLVER="127.0.0.1:$DNS_PORT" ACME_HTTP01_PORT="$HTTP01_PORT" ACME_TLS_ALPN01_PORT="$TLSALPN01_PORT" \
    node dist/src/main.js >"$WORK/logs/service.out" 2>&1 &
  PIDS+=($!)
  wait_for_url "$BASE/status" "the service" -f
  cd - >/dev/null

  # The first user is a superuser; it creates an organisation and that organisation's admin, who
  # does the rest (an ACME account issues under its profile's organisation's CAs, and the
  # organisation's admins hand out its EAB keys).
  local json='content-type: application/json'
  curl -sf "$API/users/" -H "$json" \
    -d "$(jq -n --arg p "$SERVICE_PASSWORD" '{username:"root", email:"root@example.com", password:$p}')" >/dev/null
  TOKEN=$(sign_in root)
  local org
  org=$(api POST /organizations/ -H "$json" -d '{"name":"ACME interop"}' | jq -e .id)
  api POST /users/ -H "$json" -d "$(jq -n --arg p "$SERVICE_PASSWORD" --argjson org "$org" \
    '{username:"admin", email:"admin@example.com", password:$p, role:"admin", organization_id:$org,
      can_create_ca:true, can_create_cert:true, can_revoke_cert:true}')" >/dev/null
  TOKEN=$(sign_in admin)
  local profile
  ROOT_CA=$(api POST /cas/ -H "$json" \
    -d '{"name":"Interop Root CA","subject_dn":"CN=Interop Root CA,O=ACME interop","key_type":"ec"}' | jq -e .id)
  ISSUING_CA=$(api POST /cas/ -H "$json" \
    -d "$(jq -n --argjson root "$ROOT_CA" \
      '{name:"Interop Issuing CA", subject_dn:"CN=Interop Issuing CA,O=ACME interop", key_type:"ec", parent_ca_id:$root}')" \
    | jq -e .id)
  curl -sf "$BASE/ca/interop-root-ca-$ROOT_CA.pem" -o "$WORK/service-root.pem"

  # Two ACME profiles issuing from the intermediate: EAB not required, and required.
  profile() {
    jq -n --arg name "$1" --argjson ca "$ISSUING_CA" --argjson eab "$2" \
      '{name:$name, ca_ids:[$ca], certificate_types:["server"], allowed_dns:["example.test","*.example.test"],
        allow_wildcard_certificates:true, max_validity_days:90, acme_enabled:true, acme_eab_required:$eab}'
  }
  PROFILE_OPEN=$(api POST /profiles -H "$json" -d "$(profile acme-open false)" | jq -e .id)
  PROFILE_EAB=$(api POST /profiles -H "$json" -d "$(profile acme-eab true)" | jq -e .id)
  DIRECTORY_OPEN=$(api GET "/profiles/$PROFILE_OPEN" | jq -er .acme_directory_url)
  DIRECTORY_EAB=$(api GET "/profiles/$PROFILE_EAB" | jq -er .acme_directory_url)
  log "directories: $DIRECTORY_OPEN (no EAB), $DIRECTORY_EAB (EAB required)"
  wait_for_url "$DIRECTORY_OPEN" "the ACME directory" -f
}

service_root_of() { echo "$WORK/service-root.pem"; }

# A fresh EAB credential per account: the service binds each to one account.
service_eab_key() {
  api POST "/profiles/$PROFILE_EAB/acme-eab-keys" -H 'content-type: application/json' \
    -d "$(jq -n --arg d "acme-interop $1" '{description:$d}')" | jq -er '"\(.kid) \(.hmac_key)"'
}

service_check_revoked() {
  local leaf=$2 serial
  serial=$(serial_of "$leaf")
  echo "serial $serial"
  # The REST API's view ...
  api GET "/certificates/?ca_id=$ISSUING_CA&status=revoked" \
    | jq -e --arg s "$serial" 'map(select((.serial_number | sub("^0+"; "")) == $s)) | length == 1'
  # ... and the public CRL's.
  curl -sf "$BASE/crl/interop-issuing-ca-$ISSUING_CA.pem" -o "$WORK/crl.pem"
  openssl crl -in "$WORK/crl.pem" -noout -text | tr 'A-F' 'a-f' | grep -E "Serial Number: 0*$serial\$"
}

# ---------------------------------------------------------------------------------------------
# The client runs.

serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//'; }

# verify_certificate root leaf chain name: the chain ends at the root, and the leaf names `name`.
verify_certificate() {
  local root=$1 leaf=$2 chain=$3 name=$4
  openssl verify -CAfile "$root" -untrusted "$chain" "$leaf"
  local text
  text=$(openssl x509 -in "$leaf" -noout -subject -issuer -ext subjectAltName)
  echo "$text"
  grep -qF "DNS:$name" <<<"$text"
}

CERTBOT="$WORK/certbot"
CERTBOT_COMMON=(--non-interactive --agree-tos -m interop@example.com
  --config-dir "$CERTBOT/config" --work-dir "$CERTBOT/work" --logs-dir "$CERTBOT/logs")

# certbot 2.1 on Python 3.11 hides every ACME error behind "AttributeError: can't set attribute"
# (its Error is immutable and contextlib sets __traceback__); the real problem is in its log.
certbot_cmd() {
  local status=0
  timeout "$STEP_TIMEOUT" certbot "$@" || status=$?
  if [ "$status" != 0 ]; then
    grep -h 'acme.messages.Error: ' "$CERTBOT/logs/letsencrypt.log" 2>/dev/null | tail -n 1 | sed 's/^/ACME problem: /'
  fi
  return "$status"
}

# certbot_run open|eab name cert-name [eab-index] -- certbot arguments...
certbot_run() {
  local which=$1 name=$2 cert_name=$3 eab_index=$4
  shift 5
  local directory eab=() credential kid hmac
  if [ "$which" = open ]; then directory=$DIRECTORY_OPEN; else directory=$DIRECTORY_EAB; fi
  if [ "$eab_index" != - ]; then
    credential=$($EAB_KEY "$eab_index")
    read -r kid hmac <<<"$credential"
    eab=(--eab-kid "$kid" --eab-hmac-key "$hmac")
  fi
  certbot_cmd certonly "${CERTBOT_COMMON[@]}" --server "$directory" "${eab[@]}" \
    --cert-name "$cert_name" -d "$name" "$@"
  local live="$CERTBOT/config/live/$cert_name"
  verify_certificate "$($ROOT_OF "$which")" "$live/cert.pem" "$live/chain.pem" "$name"
}

certbot_http01() {
  certbot_run "$1" "$2" "$3" "${4:--}" -- \
    --standalone --preferred-challenges http --http-01-address 127.0.0.1 --http-01-port "$HTTP01_PORT"
}

certbot_dns01() {
  certbot_run "$1" "$2" "$3" "${4:--}" -- \
    --manual --preferred-challenges dns \
    --manual-auth-hook "$WORK/hooks/auth.sh" --manual-cleanup-hook "$WORK/hooks/cleanup.sh"
}

# lego_run open|eab name http|tls [eab-index]
lego_run() {
  local which=$1 name=$2 challenge=$3 eab_index=${4:--}
  local directory eab=() credential kid hmac solver path="$WORK/lego-$challenge"
  if [ "$which" = open ]; then directory=$DIRECTORY_OPEN; else directory=$DIRECTORY_EAB; fi
  if [ "$eab_index" != - ]; then
    credential=$($EAB_KEY "$eab_index")
    read -r kid hmac <<<"$credential"
    eab=(--eab --kid "$kid" --hmac "$hmac")
  fi
  if [ "$challenge" = http ]; then
    solver=(--http --http.port "127.0.0.1:$HTTP01_PORT")
  else
    solver=(--tls --tls.port "127.0.0.1:$TLSALPN01_PORT")
  fi
  timeout "$STEP_TIMEOUT" lego --accept-tos --email interop@example.com --server "$directory" --path "$path" \
    "${eab[@]}" --domains "$name" "${solver[@]}" run
  local base="$path/certificates/${name/\*/_}"
  openssl x509 -in "$base.crt" -out "$base.leaf.pem"
  verify_certificate "$($ROOT_OF "$which")" "$base.leaf.pem" "$base.issuer.crt" "$name"
}

# An account without EAB on the directory that requires it is refused: the directory's
# meta.externalAccountRequired makes certbot refuse before it asks (the server's own refusal of
# such a newAccount is for the e2e specs, which send one).
certbot_register_without_eab() {
  local out status=0
  out=$(timeout "$STEP_TIMEOUT" certbot register --non-interactive --agree-tos -m interop@example.com \
    --config-dir "$WORK/certbot-no-eab/config" --work-dir "$WORK/certbot-no-eab/work" \
    --logs-dir "$WORK/certbot-no-eab/logs" --server "$DIRECTORY_EAB" 2>&1) || status=$?
  echo "$out"
  [ "$status" != 0 ] || { echo "certbot registered an account without EAB"; return 1; }
  grep -qi 'external account' <<<"$out"
}

# certbot_revoke open|eab certificate [key]: by the account key (certbot's account for that
# server), or with a key file by the certificate's own key (RFC 8555 §7.6); then ask the server.
certbot_revoke() {
  local which=$1 cert=$2 key=${3:-} directory by_key=()
  if [ "$which" = open ]; then directory=$DIRECTORY_OPEN; else directory=$DIRECTORY_EAB; fi
  if [ -n "$key" ]; then by_key=(--key-path "$key"); fi
  certbot_cmd revoke "${CERTBOT_COMMON[@]}" --server "$directory" --cert-path "$cert" \
    "${by_key[@]}" --reason keycompromise --no-delete-after-revoke
  $CHECK_REVOKED "$which" "$cert"
}

# ---------------------------------------------------------------------------------------------
if [ "$MODE" = pebble ]; then
  setup_pebble
  ROOT_OF=pebble_root_of EAB_KEY=pebble_eab_key CHECK_REVOKED=pebble_check_revoked
  SERVER_LOG="$WORK/logs/pebble-eab.out"
else
  setup_service
  ROOT_OF=service_root_of EAB_KEY=service_eab_key CHECK_REVOKED=service_check_revoked
  SERVER_LOG="$WORK/logs/service.out"
fi
SETUP_DONE=1
echo "PASS $MODE setup"

run_step certbot-http01 certbot_http01 open a.example.test certbot-http01
run_step certbot-no-eab-refused certbot_register_without_eab
run_step certbot-http01-eab certbot_http01 eab b.example.test certbot-http01-eab 1
run_step certbot-dns01-wildcard certbot_dns01 open '*.example.test' certbot-dns01-wildcard
run_step lego-http01-eab lego_run eab c.example.test http 2
run_step lego-tlsalpn01-eab lego_run eab alpn.example.test tls 3
run_step certbot-revoke-account-key certbot_revoke open "$CERTBOT/config/live/certbot-http01/cert.pem"
run_step certbot-revoke-certificate-key certbot_revoke eab \
  "$WORK/lego-http/certificates/c.example.test.leaf.pem" "$WORK/lego-http/certificates/c.example.test.key"

if [ ${#FAILED[@]} -gt 0 ]; then
  echo "FAIL $MODE: ${#FAILED[@]} step(s) failed: ${FAILED[*]}"
  exit 1
fi
echo "PASS $MODE: every step"
