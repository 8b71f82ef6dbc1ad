#!/usr/bin/env bash
# Benchmarks of the Gemini client in a release build, each against a baseline measured in the
# same run (so figures compare across machines as ratios). Prints one JSON line per case.
#
#   decode N MB          Easel's typed decode vs a generic JSONSerialization parse + base64 decode
#   decode-memory N MB   extra peak memory of one decode, client and baseline, each in its own process
#   round trip           client.generateContent vs a raw HTTP POST to the same simulator
set -euo pipefail
cd "$(dirname "$0")/.."
echo "building EaselBench (release)" >&2
swift build -c release --product EaselBench >&2
BENCH="$(swift build -c release --show-bin-path)/EaselBench"
for mb in 1 20; do
    "$BENCH" decode "$mb"
    "$BENCH" decode-memory "$mb" client
    "$BENCH" decode-memory "$mb" baseline
done
"$BENCH" roundtrip
