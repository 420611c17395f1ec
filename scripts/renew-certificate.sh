#!/bin/sh
# Renews a certificate of this CA by proof of its private key (POST /api/v1/certificates/renew): no
# secret is stored but the key itself. Needs only openssl and curl (and a POSIX shell, awk, tr).
# See docs/renewal.md.
#
#   renew-certificate.sh CA_URL CERT_FILE KEY_FILE
#
# CA_URL:    the service's PUBLIC_BASE_URL, e.g. https://ca.example.com (the token is made for it)
# CERT_FILE: the certificate (PEM), optionally followed by its chain, as this script writes it
# KEY_FILE:  its private key (PEM, unencrypted)
#
# Once RENEW_AT_PERCENT of the certificate's lifetime has passed, it signs a short renewal token with
# KEY_FILE, asks for a new certificate (for a new key, from a CSR, unless RENEW_REUSE_KEY=1), and
# replaces KEY_FILE and CERT_FILE (the new certificate, then its chain), each by an atomic rename.
#
# Environment:
#   RENEW_AT_PERCENT  renew once this much of the lifetime has passed; 0: always (default 66)
#   RENEW_REUSE_KEY   1: keep the key (the certificate's profile must have renewal_reuses_key)
#   CA_API_PREFIX     the service's API_V1_STR (default /api/v1)
#   CURL_OPTS         more curl options, e.g. "--cacert /etc/pki/ca-root.pem"
#
# Exit status: 0 renewed, or not due yet; 1 refused or failed (the reason on stderr); 2 usage.
set -eu

usage() {
  echo "usage: $0 CA_URL CERT_FILE KEY_FILE (see docs/renewal.md)" >&2
  exit 2
}
fail() {
  echo "renew-certificate: $*" >&2
  exit 1
}

[ "$#" -eq 3 ] || usage
ca_url=${1%/}
cert_file=$2
key_file=$3
percent=${RENEW_AT_PERCENT:-66}
prefix=${CA_API_PREFIX:-/api/v1}
case $percent in '' | *[!0-9]*) fail "RENEW_AT_PERCENT must be a whole number from 0 to 100" ;; esac
[ "$percent" -le 100 ] || fail "RENEW_AT_PERCENT must be a whole number from 0 to 100"
[ -r "$cert_file" ] || fail "cannot read $cert_file"
[ -r "$key_file" ] || fail "cannot read $key_file"

umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

# The PEM certificates of the file, one file each: cert1.pem (the leaf), cert2.pem, …
awk -v dir="$work" '
  /-----BEGIN CERTIFICATE-----/ { n++; inside = 1 }
  inside { print > (dir "/cert" n ".pem") }
  /-----END CERTIFICATE-----/ { inside = 0; close(dir "/cert" n ".pem") }
' "$cert_file"
leaf=$work/cert1.pem
[ -s "$leaf" ] || fail "$cert_file holds no PEM certificate"

now=$(date -u +%s)

# notBefore and notAfter in seconds since 1970 (openssl prints "Jan  2 03:04:05 2030 GMT").
seconds_of() {
  openssl x509 -in "$leaf" -noout "-$1" | awk '
    {
      sub(/^[^=]*=/, "")
      month = (index("JanFebMarAprMayJunJulAugSepOctNovDec", $1) + 2) / 3
      day = $2; split($3, time, ":"); year = $4
      # Days from 1970-01-01 to the date (the proleptic Gregorian calendar, March-based years).
      if (month <= 2) year--
      era = int(year / 400); yoe = year - era * 400
      doy = int((153 * ((month + 9) % 12) + 2) / 5) + day - 1
      days = era * 146097 + yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy - 719468
      printf "%d\n", days * 86400 + time[1] * 3600 + time[2] * 60 + time[3]
    }'
}
not_before=$(seconds_of startdate)
not_after=$(seconds_of enddate)
if [ "$percent" -gt 0 ] && [ $(((now - not_before) * 100)) -lt $(((not_after - not_before) * percent)) ]; then
  echo "renew-certificate: not due: $percent% of the lifetime passes at $(((not_before * (100 - percent) + not_after * percent) / 100)) (seconds since 1970)"
  exit 0
fi

# The algorithm the key signs with (RFC 7518), and how to make a new key of the same kind.
text=$(openssl x509 -in "$leaf" -noout -text)
case $text in
  *"Public Key Algorithm: rsaEncryption"*)
    alg=RS256
    bits=$(printf '%s\n' "$text" | awk -F'[(]' '/Public-Key: \(/ { sub(/ bit.*/, "", $2); print $2; exit }')
    new_key_args="-newkey rsa:$bits"
    ;;
  *"Public Key Algorithm: id-ecPublicKey"*"P-256"*)
    alg=ES256 digest=sha256 half=32 new_key_args="-newkey ec -pkeyopt ec_paramgen_curve:P-256" ;;
  *"Public Key Algorithm: id-ecPublicKey"*"P-384"*)
    alg=ES384 digest=sha384 half=48 new_key_args="-newkey ec -pkeyopt ec_paramgen_curve:P-384" ;;
  *"Public Key Algorithm: ED25519"*)
    alg=EdDSA new_key_args="-newkey ed25519" ;;
  *) fail "the certificate's key is neither RSA, EC P-256/P-384 nor Ed25519" ;;
esac

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# x5c: every certificate of the file, leaf first, base64 DER (RFC 7515 4.1.6).
x5c=
for pem in "$work"/cert*.pem; do
  der=$(openssl x509 -in "$pem" -outform DER | openssl base64 -A)
  x5c="$x5c${x5c:+,}\"$der\""
done
header=$(printf '{"alg":"%s","typ":"JWT","x5c":[%s]}' "$alg" "$x5c" | b64url)
claims=$(printf '{"aud":"%s%s/certificates/renew","iat":%s,"exp":%s,"jti":"%s"}' \
  "$ca_url" "$prefix" "$now" "$((now + 120))" "$(openssl rand -hex 16)" | b64url)
printf '%s.%s' "$header" "$claims" > "$work/input"

case $alg in
  RS256) openssl dgst -sha256 -sign "$key_file" -out "$work/signature" "$work/input"
    signature=$(b64url < "$work/signature") ;;
  EdDSA) openssl pkeyutl -sign -rawin -inkey "$key_file" -in "$work/input" -out "$work/signature"
    signature=$(b64url < "$work/signature") ;;
  *)
    # openssl writes ECDSA-Sig-Value (DER: two INTEGERs); JWS wants R || S, each $half bytes
    # (RFC 7518 3.4). Both integers are padded to that width and the hex turned into base64url.
    openssl dgst "-$digest" -sign "$key_file" -out "$work/signature" "$work/input"
    signature=$(openssl asn1parse -inform DER -in "$work/signature" | awk -F: -v width=$((half * 2)) '
      /INTEGER/ {
        value = $NF
        while (length(value) > width && substr(value, 1, 2) == "00") value = substr(value, 3)
        while (length(value) < width) value = "0" value
        hex = hex value
      }
      END {
        digits = "0123456789ABCDEF"
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        for (i = 1; i <= length(hex); i += 2)
          bytes[n++] = (index(digits, substr(hex, i, 1)) - 1) * 16 + index(digits, substr(hex, i + 1, 1)) - 1
        for (i = 0; i < n; i += 3) {
          b = bytes[i] * 65536 + (i + 1 < n ? bytes[i + 1] * 256 : 0) + (i + 2 < n ? bytes[i + 2] : 0)
          out = out substr(alphabet, int(b / 262144) % 64 + 1, 1) substr(alphabet, int(b / 4096) % 64 + 1, 1)
          if (i + 1 < n) out = out substr(alphabet, int(b / 64) % 64 + 1, 1)
          if (i + 2 < n) out = out substr(alphabet, b % 64 + 1, 1)
        }
        print out
      }')
    ;;
esac

# The token goes in a header file, not on curl's command line (where ps would show it).
printf 'Authorization: Bearer %s.%s\n' "$(cat "$work/input")" "$signature" > "$work/authorization"

if [ "${RENEW_REUSE_KEY:-0}" = 1 ]; then
  printf '{}' > "$work/body"
else
  # Only the CSR's key counts: the new certificate keeps the subject and SANs of the current one.
  # shellcheck disable=SC2086 # new_key_args is several words on purpose
  openssl req -new $new_key_args -nodes -keyout "$work/new.key" -subj "/CN=renewal" \
    -out "$work/new.csr" 2> "$work/openssl.log" || fail "openssl could not make the new key: $(cat "$work/openssl.log")"
  { printf '{"csr":"'; awk '{ printf "%s\\n", $0 }' "$work/new.csr"; printf '"}'; } > "$work/body"
fi

# shellcheck disable=SC2086 # CURL_OPTS is several options on purpose
status=$(curl -sS ${CURL_OPTS:-} -o "$work/response" -w '%{http_code}' -X POST \
  -H @"$work/authorization" -H 'Content-Type: application/json' --data-binary @"$work/body" \
  "$ca_url$prefix/certificates/renew") || fail "could not reach $ca_url"
if [ "$status" != 201 ]; then
  # The JSON string "detail", its escapes undone (\" and \\ are all a message holds).
  detail=$(awk '{
    start = index($0, "\"detail\":\"")
    if (!start) exit
    rest = substr($0, start + 10)
    for (i = 1; i <= length(rest); i++) {
      c = substr(rest, i, 1)
      if (c == "\\") { i++; c = substr(rest, i, 1) } else if (c == "\"") break
      out = out c
    }
    print out
  }' "$work/response")
  fail "the service answered $status: ${detail:-$(cat "$work/response")}"
fi

# The PEM blocks of the answer: "certificate" first, then "chain_pem" (JSON escapes each newline).
awk '
  { gsub(/\\n/, "\n"); text = text $0 }
  END {
    while ((start = index(text, "-----BEGIN CERTIFICATE-----")) > 0) {
      text = substr(text, start)
      end = index(text, "-----END CERTIFICATE-----")
      if (end == 0) break
      print substr(text, 1, end + 24)
      text = substr(text, end + 25)
    }
  }' "$work/response" > "$work/new.pem"
grep -q 'BEGIN CERTIFICATE' "$work/new.pem" || fail "the answer holds no certificate"

new_key=$key_file
[ -f "$work/new.key" ] && new_key=$work/new.key
[ "$(openssl x509 -in "$work/new.pem" -noout -pubkey)" = "$(openssl pkey -in "$new_key" -pubout)" ] ||
  fail "the new certificate is not for the key it was asked for"

# Each file is replaced by a rename in its own directory; a copy first keeps its owner and mode.
replace() {
  next_file="$1.renewing.$$"
  cp -p "$1" "$next_file" && cat "$2" > "$next_file" && mv -f "$next_file" "$1"
}
[ "$new_key" = "$key_file" ] || replace "$key_file" "$new_key"
replace "$cert_file" "$work/new.pem"
echo "renew-certificate: renewed: $(openssl x509 -in "$cert_file" -noout -serial -enddate | tr '\n' ' ')"
