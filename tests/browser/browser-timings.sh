#!/usr/bin/env bash
# Chromium↔Chromium call setup timings through zero-signaling: a benchmark, not a test.
#
#   browser-timings.sh [-n RUNS] [-r WxH] [-c vp8|h264] [PATH/TO/zero-signaling]
#
# Each run: alpha creates a session, beta joins (alpha offers); both wait for decoded video
# and audio from the other, then leave. Prints a p50/p95 table (check-jsonl.mjs --table):
# for beta (the newcomer, answerer) ms from sending join, for alpha (offerer) ms from
# peer-joined, to welcome, offer, answer, connected, data channel open, first decoded video
# frame and first decoded audio. Two Chromiums share this machine's cores: what is measured
# includes that contention. Raw JSON lines stay in $ZERO_TEST_ARTIFACTS/browser-timings/
# when that is set.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
runs=10
res=640x480
codec=vp8
while getopts "n:r:c:" opt; do
  case $opt in
    n) runs=$OPTARG ;;
    r) res=$OPTARG ;;
    c) codec=$OPTARG ;;
    *) echo "usage: $0 [-n RUNS] [-r WxH] [-c vp8|h264] [zero-signaling]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
sig=${1:-${ZERO_SIGNALING:-${ZERO_BUILD_DIR:-$here/../../build}/tools/zero-signaling}}
[ -x "$sig" ] || { echo "no zero-signaling at $sig" >&2; exit 2; }
[ -f "$here/node_modules/playwright-core/package.json" ] ||
  { echo "run 'npm ci' in $here first" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/zero-browser-timings.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [ -n "${ZERO_TEST_ARTIFACTS:-}" ]; then
    mkdir -p "$ZERO_TEST_ARTIFACTS/browser-timings"
    cp "$work"/*.jsonl "$ZERO_TEST_ARTIFACTS/browser-timings/" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$sig" --port 0 >"$work/sig.out" 2>"$work/sig.err" &
pids+=($!)
url=""
for _ in $(seq 100); do
  url=$(sed -n 's/^listening on \(wss\?:\/\/[^ ]*\)$/\1/p' "$work/sig.out" | head -n1)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "zero-signaling did not start" >&2; exit 1; }

wait_for() { # FILE EVENT SECONDS PID
  local deadline=$((SECONDS + $3))
  while [ $SECONDS -lt $deadline ] && kill -0 "$4" 2>/dev/null; do
    grep -q "\"event\":\"$2\"" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  grep -q "\"event\":\"$2\"" "$1" 2>/dev/null
}

common=(--server "$url" --resolution "$res" --codec "$codec" --expect-peers 1 --expect-audio
        --seconds 60)
failed=0
for i in $(seq "$runs"); do
  s=$(cat /proc/sys/kernel/random/uuid)
  node "$here/run-browser-peer.mjs" "${common[@]}" --create --session "$s" --name alpha \
    >"$work/run$i-alpha.jsonl" 2>>"$work/err" &
  a=$!
  pids+=("$a")
  wait_for "$work/run$i-alpha.jsonl" joined 20 "$a"
  node "$here/run-browser-peer.mjs" "${common[@]}" --join "$s" --name beta \
    >"$work/run$i-beta.jsonl" 2>>"$work/err" &
  b=$!
  pids+=("$b")
  wait_for "$work/run$i-alpha.jsonl" expectations-met 30 "$a" &&
    wait_for "$work/run$i-beta.jsonl" expectations-met 30 "$b" || failed=$((failed + 1))
  kill -TERM "$b" "$a" 2>/dev/null
  wait "$b" "$a" 2>/dev/null
  echo "run $i/$runs done" >&2
done

echo "Chromium↔Chromium via zero-signaling, $res $codec, $runs runs ($failed without media)"
echo "$("${ZERO_CHROMIUM:-/usr/bin/chromium}" --version 2>/dev/null | tail -n1), $(nproc) cores"
node "$here/check-jsonl.mjs" --table "$work"/run*-alpha.jsonl "$work"/run*-beta.jsonl
[ "$failed" -eq 0 ]
