#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# install-deps.sh -- install the Debian 12 packages azukari builds, tests and
# runs with. Idempotent: packages already present are not touched, and
# apt-get is only called when something is missing. Must run as root (or
# with sudo available) on Debian 12 (bookworm).
set -eu

PKGS="build-essential cmake pkg-config git python3 gettext
libvectorscan-dev libicu-dev libmecab-dev mecab mecab-ipadic-utf8
libarchive-dev libexpat1-dev libsodium-dev libsqlite3-dev sqlite3 libpq-dev
libjansson-dev libmicrohttpd-dev liboath-dev libcmocka-dev zlib1g-dev
clang-14 libclang-rt-14-dev ripgrep unicode-data time
libpoppler-glib-dev poppler-data libgsf-1-dev libseccomp-dev libgnutls28-dev
libcurl4-gnutls-dev libsystemd-dev"

if [ "${1:-}" = "--test" ]; then
    PKGS="$PKGS clang-format cppcheck postgresql squid c-icap curl valgrind chromium chromium-driver python3-selenium fonts-noto-cjk
          python3-reportlab fonts-ipafont-gothic fonts-ipafont-mincho faketime python3-phonenumbers
          python3-jsonschema python3-yaml"
fi

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
