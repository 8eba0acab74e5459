#!/bin/sh
# run-fuzz.sh FUZZER CORPUS_DIR [LIBFUZZER_FLAG...]: runs a libFuzzer target for ${ZERO_FUZZ_SECONDS:-60} s.
# New inputs go to a scratch directory (the kept corpus is only read); a crash
# leaves its input in the build directory as crash-* (copy it into the corpus
# to keep it as a regression test).
set -eu
fuzzer=$1
corpus=$2
shift 2
seconds=${ZERO_FUZZ_SECONDS:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts=$(dirname "$fuzzer")/fuzz-artifacts
mkdir -p "$artifacts"
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 "$@" "$work" "$corpus"
