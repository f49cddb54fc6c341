#!/usr/bin/env bash
# Install the system packages the test suite needs (Debian): PostgreSQL and Chromium.
# Idempotent: does nothing when they are already present.
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if ((${#need[@]})); then
    echo "installing system packages: ${need[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        "${need[@]}" fonts-liberation >/dev/null
fi
