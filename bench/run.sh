#!/usr/bin/env bash
# Measures ganc's training speed on the peer benchmark models (../shared/bench) and the
# shipped models. Usage: bench/run.sh [seconds per model]   (release build, all cores)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
swift build -c release >/dev/null
for m in bench/models/*.gan models/ring8.gan models/digits_cgan.gan; do
  .build/release/ganc bench "$m" --seconds "$seconds"
done
