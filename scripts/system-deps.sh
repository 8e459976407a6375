#!/usr/bin/env bash
# Debian packages the test suite needs. Installs the missing ones when run as root (or with
# sudo available); otherwise names them and fails, so a missing browser is never a silent skip.
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v xgettext >/dev/null || need+=(gettext)
command -v pdftotext >/dev/null || need+=(poppler-utils)
# (no `grep -q` after a pipe: with pipefail, the early exit would fail the producer)
[[ "$(fc-list 2>/dev/null)" == *"Noto Sans CJK"* ]] || need+=(fonts-noto-cjk)
[[ "$(ldconfig -p 2>/dev/null)" == *libpango-1.0* ]] || need+=(libpango-1.0-0 libpangoft2-1.0-0)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "fincloud tests need these Debian packages: ${need[*]} (run: apt-get install ${need[*]})" >&2
  exit 1
fi
echo "installing Debian packages: ${need[*]}" >&2
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
