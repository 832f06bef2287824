#!/usr/bin/env bash
# Create or reuse .venv, install torch==2.13.0 first (the CPU build on this machine; never an open
# range that could pull a multi-GB CUDA build), then memtwin with its dev and ray extras. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
if ! .venv/bin/python -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '2.13.0')" 2>/dev/null; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet "torch==2.13.0"
fi
.venv/bin/python -m pip install --quiet -e ".[dev,ray]"

# Headless Chromium (Debian's package) for the HTML report's browser test, tests/report/test_browser.py.
# Non-fatal: without it that test is skipped (and fails under CI=true, where it must run).
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: chromium not found and apt-get is not available; the report's browser test will be skipped" >&2
  elif [ "$(id -u)" != 0 ] && [ -z "$SUDO" ]; then
    echo "setup: chromium not found and apt-get needs root; run 'apt-get install chromium' as root, or the report's browser test will be skipped" >&2
  else
    echo "setup: installing chromium with apt-get (for the report's browser test)"
    if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium; } >/tmp/memtwin-setup-chromium.log 2>&1; then
      echo "setup: could not install chromium (see /tmp/memtwin-setup-chromium.log); the report's browser test will be skipped" >&2
    fi
  fi
fi
