#!/usr/bin/env bash
# Print the path of a usable `uv`, installing it for the current user when missing.
# Fresh Debian has no pip and refuses `pip install --user` (PEP 668), so the official
# standalone installer comes first; pip is the fallback for machines without curl/wget.
set -euo pipefail
if command -v uv >/dev/null 2>&1; then command -v uv; exit 0; fi
for candidate in "$HOME/.local/bin/uv" "$HOME/.cargo/bin/uv"; do
    if [ -x "$candidate" ]; then echo "$candidate"; exit 0; fi
done
echo "uv not found: installing it into ~/.local/bin" >&2
export UV_INSTALL_DIR="$HOME/.local/bin" UV_NO_MODIFY_PATH=1
from_curl() { command -v curl >/dev/null 2>&1 && curl -LsSf https://astral.sh/uv/install.sh | sh >&2; }
from_wget() { command -v wget >/dev/null 2>&1 && wget -qO- https://astral.sh/uv/install.sh | sh >&2; }
from_pip() {
    command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1 &&
        { python3 -m pip install --quiet --user --break-system-packages uv >&2 ||
          python3 -m pip install --quiet --user uv >&2; }
}
from_apt() {  # Debian without curl and pip: get curl, then the installer
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq >&2 &&
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
            curl ca-certificates >&2 && from_curl
}
from_curl || from_wget || from_pip || from_apt || true
if [ -x "$HOME/.local/bin/uv" ]; then echo "$HOME/.local/bin/uv"; exit 0; fi
command -v uv || { echo "error: could not install uv" >&2; exit 1; }
