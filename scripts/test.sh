#!/usr/bin/env bash
# Set up (scripts/setup.sh), then lint (ruff), type-check (mypy) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export MPLBACKEND=Agg
.venv/bin/ruff check src tests benchmarks examples
.venv/bin/ruff format --check src tests benchmarks examples
.venv/bin/mypy
.venv/bin/python -m pytest -q "$@"
