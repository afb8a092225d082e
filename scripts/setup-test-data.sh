#!/usr/bin/env bash
# Installs the packages the tests and benchmarks read (idempotent; needs root for apt-get, as on CI).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "setup: nothing to install yet"
