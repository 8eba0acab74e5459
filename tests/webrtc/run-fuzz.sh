#!/bin/sh
# run-fuzz.sh FUZZER CORPUS_DIR (same as tests/signaling/run-fuzz.sh): runs a libFuzzer target for ${ZERO_FUZZ_SECONDS:-60} s.
# New inputs go to a scratch directory (the kept corpus is only read); a crash
# leaves its input in the build directory as crash-* (copy it into the corpus
# to keep it as a regression test).
set -eu
fuzzer=$1
corpus=$2
seconds=${ZERO_FUZZ_SECONDS:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts=$(dirname "$fuzzer")/fuzz-artifacts
mkdir -p "$artifacts"
# No leak check at exit: GLib leaks its outgrown quark arrays by design (16 KiB, 32 KiB, ...
# as quarks pile up) and GStreamer makes a quark of every fmtp name a remote SDP carries,
# which is unbounded under fuzzing. libFuzzer's per-input leak check (-detect_leaks=1, on)
# still catches every input whose handling leaks.
LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}leak_check_at_exit=0 \
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 "$work" "$corpus"
