#!/usr/bin/env bash
# Install Debian's chromium for the dashboard's browser tests (Playwright drives it through
# executable_path=/usr/bin/chromium; we never run `playwright install`, which downloads its own
# browser builds and fails offline). Idempotent: does nothing when /usr/bin/chromium exists.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [[ -x "$CHROMIUM" ]]; then
    echo "chromium already installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
    exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
    SUDO=sudo
else
    SUDO=
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# fonts-liberation: metric-compatible fonts so charts and screenshots render text the same everywhere
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-liberation

"$CHROMIUM" --version
