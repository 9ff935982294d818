#!/usr/bin/env bash
# Set up everything the project needs on this machine: system packages (where missing and permitted),
# the virtual environment with the locked dependencies. Idempotent and quick when nothing changed.
#   scripts/setup.sh            servers, Java, venv
#   scripts/setup.sh --browser  also Chromium (for the dashboard browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=0
[[ "${1:-}" == "--browser" ]] && want_browser=1

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }

# --- system packages ----------------------------------------------------------------------------
missing=()
command -v mariadbd >/dev/null 2>&1 || [[ -x /usr/sbin/mariadbd ]] || missing+=(mariadb-server)
command -v mariadb >/dev/null 2>&1 || missing+=(mariadb-client)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
if [[ $want_browser == 1 ]] && ! [[ -x /usr/bin/chromium ]]; then missing+=(chromium); fi
if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]]; then
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    log "missing Debian packages: ${missing[*]}"
    log "install them with: sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
fi

# --- Python environment -------------------------------------------------------------------------
PY=${PYTHON:-python3}
stamp=.venv/.softcart-lock-$(sha256sum requirements.lock pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)
if [[ ! -f $stamp ]]; then
  log "creating .venv and installing the locked dependencies (about a minute the first time)"
  [[ -x .venv/bin/python ]] || "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check uv
  # bytecode compiled once here: with PYTHONDONTWRITEBYTECODE set (as on CI machines) every command
  # would otherwise recompile its imports on each start (about 0.4 s of a 1 s `softcart ingest`)
  .venv/bin/uv pip install -q --python .venv/bin/python --compile-bytecode -r requirements.lock
  .venv/bin/uv pip install -q --python .venv/bin/python --no-deps -e .
  rm -f .venv/.softcart-lock-* && touch "$stamp"
fi
.venv/bin/python -m compileall -q softcart ingest spark >/dev/null

# --- the BI server: Apache Superset in a venv of its own (it pins SQLAlchemy 1.4 and pandas 2.1) --
slock=softcart/dashboards/superset/requirements.lock
sstamp=.venv-superset/.softcart-lock-$(sha256sum "$slock" scripts/setup.sh | sha256sum | cut -c1-16)
if [[ ! -f $sstamp ]]; then
  log "creating .venv-superset and installing Superset from $slock (about a minute the first time)"
  [[ -x .venv-superset/bin/python ]] || "$PY" -m venv .venv-superset
  .venv/bin/uv pip install -q --python .venv-superset/bin/python --compile-bytecode -r "$slock"
  rm -f .venv-superset/.softcart-lock-* && touch "$sstamp"
fi
log "ready: $(.venv/bin/softcart --help >/dev/null && echo 'softcart CLI installed')"
