#!/usr/bin/env bash
# Debian packages synthguard uses: fonts that render Chinese visible labels, TTS engines used to
# make training data, and (for tests) Chromium + ChromeDriver and PostgreSQL.
# Runs apt-get when root (or with sudo); otherwise prints what to install. Safe to re-run.
#   (none)    what running synthguard needs
#   --train   plus the TTS engines and voices `synthguard train speech` makes its fakes with
#   --tests   plus those, Chromium + ChromeDriver, PostgreSQL, Poppler and Tesseract for the tests
set -euo pipefail
want=${1:-}
case "$want" in ""|--train|--tests) ;; *) echo "usage: $0 [--train|--tests]" >&2; exit 2 ;; esac
pkgs=(fonts-noto-cjk espeak-ng libpango-1.0-0 libpangoft2-1.0-0)
if [ "$want" = "--train" ] || [ "$want" = "--tests" ]; then
  pkgs+=(flite festival festvox-kallpc16k festvox-us-slt-hts)
fi
if [ "$want" = "--tests" ]; then
  pkgs+=(chromium chromium-driver postgresql poppler-utils tesseract-ocr tesseract-ocr-chi-sim)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "synthguard: please install these system packages: ${missing[*]}" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "synthguard: not root; please install: ${missing[*]}" >&2; exit 0; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
  || { $SUDO apt-get update -qq >/dev/null 2>&1 && $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
echo "synthguard: installed ${missing[*]}"
