#!/usr/bin/env bash
# Lints PEM certificates (the arguments) with zlint under a private-CA profile and exits 1 when any
# lint reports error or fatal, printing those results. zlint itself exits 0 whatever it finds.
#
# Every lint source runs except EV, ETSI and S/MIME. Left out are the lints that judge a
# certificate by the public Web PKI's rules, which a private CA does not follow:
# - certificate policies, OCSP URLs and browser lifetime caps (CA/B Forum BR);
# - subject country/organization/locality/province requirements, which judge the subject a user chose;
# - Ed25519 keys and signatures, which the BR algorithm lists do not name (RFC 8410 allows them);
# - reserved/private IP addresses and internal names (.internal, .corp, .lan …), which is what
#   private CAs are for;
# - e-mail SANs in dual-purpose certificates (the BR allow only DNS names and IPs in TLS certificates);
# - URI SANs (SPIFFE IDs name workloads of a private PKI; the BR allow only DNS names and IPs). The
#   RFC 5280 URI lints (syntax, IA5, host) still run.
set -uo pipefail
web_pki_only=(
  e_sub_cert_certificate_policies_missing e_sub_cert_cert_policy_empty e_sub_ca_certificate_policies_missing
  e_sub_cert_aia_does_not_contain_ocsp_url e_sub_cert_aia_missing w_sub_ca_aia_missing
  w_sub_ca_aia_does_not_contain_issuing_ca_url w_sub_cert_aia_does_not_contain_issuing_ca_url
  w_sub_cert_aia_contains_internal_names w_ext_subject_key_identifier_not_recommended_subscriber
  w_subject_common_name_included
  e_tls_server_cert_valid_time_longer_than_398_days w_tls_server_cert_valid_time_longer_than_397_days
  e_sub_cert_valid_time_longer_than_825_days e_sub_cert_valid_time_longer_than_39_months
  e_ca_country_name_missing e_ca_organization_name_missing e_sub_cert_country_name_must_appear
  e_sub_cert_locality_name_must_appear e_sub_cert_province_must_appear
  e_public_key_type_not_allowed e_signature_algorithm_not_supported e_algorithm_identifier_improper_encoding
  e_ext_san_contains_reserved_ip e_subject_contains_reserved_ip e_subject_contains_reserved_arpa_ip
  e_dnsname_not_valid_tld e_dnsname_contains_prohibited_reserved_label
  e_ext_san_rfc822_name_present e_ext_san_uniform_resource_identifier_present
)
exclude=$(IFS=,; echo "${web_pki_only[*]}")
status=0
for file in "$@"; do
  if ! report=$(zlint -excludeSources CABF_EV,ETSI_ESI,CABF_SMIME_BR -excludeNames "$exclude" "$file"); then
    echo "$file: zlint failed to run"
    status=1
    continue
  fi
  failures=$(printf '%s' "$report" | node -e '
    let text = "";
    process.stdin.on("data", (chunk) => (text += chunk)).on("end", () => {
      for (const [lint, outcome] of Object.entries(JSON.parse(text))) {
        if (outcome && (outcome.result === "error" || outcome.result === "fatal")) {
          console.log(`${lint}: ${outcome.result}${outcome.details ? ` (${outcome.details})` : ""}`);
        }
      }
    });')
  if [ -n "$failures" ]; then
    echo "$file:"
    printf '%s\n' "$failures" | sed 's/^/  /'
    status=1
  fi
done
exit $status
