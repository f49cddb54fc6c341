#!/usr/bin/env bash
# Install the Debian packages the project needs and that a fresh machine lacks:
#   tests:       PostgreSQL (server), Chromium (browser tests), CJK fonts (Korean text
#                in screenshots)
#   --bench:     also hey (the HTTP load generator of benchmarks/bench_workspace_load.py)
# Idempotent: installs only what is missing.
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
dpkg -s fonts-liberation >/dev/null 2>&1 || need+=(fonts-liberation)
if [ "${1:-}" = "--bench" ]; then
    command -v hey >/dev/null 2>&1 || need+=(hey)
fi
if ((${#need[@]})); then
    echo "installing system packages: ${need[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        "${need[@]}" >/dev/null
fi
