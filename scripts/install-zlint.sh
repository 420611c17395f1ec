#!/usr/bin/env bash
# Installs zlint, the certificate linter Let's Encrypt and cfssl use, from Debian's next release
# (trixie): bookworm does not package it. The trixie list lives in a scratch apt directory, so the
# machine's own sources stay as they are. Idempotent; needs root.
set -euo pipefail
command -v zlint >/dev/null 2>&1 && { zlint -version; exit 0; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/lists/partial" "$scratch/archives/partial"
mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" >"$scratch/sources.list"
apt_options=(
  -o "Dir::Etc::sourcelist=$scratch/sources.list" -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$scratch/lists" -o "Dir::Cache::Archives=$scratch/archives"
  -o "APT::Sandbox::User=root"
)
apt-get "${apt_options[@]}" -qq update
(cd "$scratch" && apt-get "${apt_options[@]}" -qq download zlint)
dpkg -i "$scratch"/zlint_*.deb >/dev/null
zlint -version
