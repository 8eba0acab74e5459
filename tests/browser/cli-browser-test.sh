#!/usr/bin/env bash
# zero-cli against a real browser (headless Chromium running page/zero-peer.html through
# run-browser-peer.mjs) in one zero-signaling session. Prints TAP.
#
#   cli-browser-test.sh ZERO_SIGNALING ZERO_CLI
#
# Cases (test media, 320x240@30):
#   1. zero-cli creates, the browser joins: zero-cli offers (PROTOCOL.md 5). VP8.
#   2. the browser creates, zero-cli joins: the browser offers. VP8.
#   3. as 2 with H.264 (both ends prefer it).
#   4. three parties: zero-cli "zero" creates, the browser joins, zero-cli "zed" joins.
# In each, for every pair, from the two JSON-lines outputs (zero-cli --json and the driver's,
# same shapes): both connected, decoded video frames (>= 20) and decoded audio (>= 1 s) each
# way (counted by the receiver: zero-cli's decoded buffers, Chromium's getStats), a chat each
# way with its exact text, and each side's GET /info answered by the other; who offered is
# read from the browser's events. Both processes leave on SIGTERM and exit 0; zero-cli's
# stderr must hold no sanitizer report (so `meson test --setup asan` checks it too).
# Needs node + `npm ci` in tests/browser (playwright-core) and Chromium ($ZERO_CHROMIUM or
# /usr/bin/chromium): without them it fails with "Bail out!", it never skips.
# Logs go to $ZERO_TEST_ARTIFACTS/cli-browser/ when set.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
sig=${1:-${ZERO_BUILD_DIR:-$here/../../build}/tools/zero-signaling}
cli=${2:-${ZERO_BUILD_DIR:-$here/../../build}/tools/zero-cli}
work=$(mktemp -d "${TMPDIR:-/tmp}/zero-cli-browser.XXXXXX")
echo "0 0" >"$work/counter"
counter="$work/counter"
pids=()
sig_pid=""

cleanup() {
  local p
  for p in "${pids[@]}" $sig_pid; do kill -TERM "$p" 2>/dev/null; done
  for _ in $(seq 50); do
    local alive=0
    for p in "${pids[@]}" $sig_pid; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for p in "${pids[@]}" $sig_pid; do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [ -n "${ZERO_TEST_ARTIFACTS:-}" ]; then
    mkdir -p "$ZERO_TEST_ARTIFACTS/cli-browser"
    cp -r "$work"/. "$ZERO_TEST_ARTIFACTS/cli-browser/" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "Bail out! interrupted"; exit 130' INT TERM

bail() {
  echo "Bail out! $*"
  exit 1
}

check() { node "$here/check-jsonl.mjs" --counter "$counter" "$@"; }
# holds NAME=FILE... -- EXPR: is EXPR true now? (quiet)
holds() { node "$here/check-jsonl.mjs" "$@" >/dev/null 2>&1; }

# ---- preconditions (missing ones fail: nothing passes by skipping) -----------------------
command -v node >/dev/null || bail "node is not installed"
[ -f "$here/node_modules/playwright-core/package.json" ] ||
  bail "playwright-core is not installed: run 'npm ci' in tests/browser (tools/run-tests does)"
chromium=${ZERO_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || bail "no Chromium at $chromium (Debian package chromium, or set ZERO_CHROMIUM)"
[ -x "$sig" ] || bail "no zero-signaling at $sig (build it: ninja -C BUILD tools/zero-signaling)"
[ -x "$cli" ] || bail "no zero-cli at $cli (build it: ninja -C BUILD tools/zero-cli)"

"$sig" --port 0 >"$work/signaling.out" 2>"$work/signaling.err" &
sig_pid=$!
url=""
for _ in $(seq 300); do
  url=$(sed -n 's/^listening on \(wss\?:\/\/[^ ]*\)$/\1/p' "$work/signaling.out" | head -n1)
  [ -n "$url" ] && break
  kill -0 "$sig_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$url" ] || bail "zero-signaling did not print 'listening on ws://…' ($(head -c 300 "$work/signaling.err"))"
echo "# zero-signaling: $url"

uuid() { cat /proc/sys/kernel/random/uuid; }

# zero LABEL ARGS...: a zero-cli (output in $work/LABEL.jsonl); sets $last_pid.
zero() {
  local label=$1
  shift
  "$cli" --json --server "$url" --name "$label" --chat "hello from $label ✓" \
    --video-source test --audio-source test --resolution 320x240 --fps 30 "$@" \
    >"$work/$label.jsonl" 2>"$work/$label.err" &
  last_pid=$!
  pids+=("$last_pid")
  label_of[$last_pid]=$label
}

# browser LABEL ARGS...: a Chromium peer (output in $work/LABEL.jsonl); sets $last_pid.
browser() {
  local label=$1
  shift
  node "$here/run-browser-peer.mjs" --server "$url" --name "$label" \
    --chat "hello from $label ✓" --resolution 320x240 --fps 30 --seconds 120 "$@" \
    >"$work/$label.jsonl" 2>"$work/$label.err" &
  last_pid=$!
  pids+=("$last_pid")
}

# wait_event LABEL EVENT SECONDS PID: until LABEL's output has EVENT (false on timeout, or
# when PID exited without it).
wait_event() {
  local label=$1 event=$2 deadline=$((SECONDS + $3)) pid=$4
  while [ $SECONDS -lt $deadline ]; do
    grep -q "\"event\":\"$event\"" "$work/$label.jsonl" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || {
      grep -q "\"event\":\"$event\"" "$work/$label.jsonl" 2>/dev/null
      return
    }
    sleep 0.1
  done
  return 1
}

# wait_until SECONDS NAME=FILE... -- EXPR: until EXPR holds over the runs (false on timeout).
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  while [ $SECONDS -lt $deadline ]; do
    holds "$@" && return 0
    sleep 0.5
  done
  return 1
}

declare -A label_of # pid -> label

# stop PID...: SIGTERM (both print their summary and leave cleanly), then wait; each one's
# exit status and whether its stderr holds a sanitizer report go to $work/LABEL.proc.jsonl
# (so that `meson test --setup asan` checks zero-cli too).
stop() {
  local p q keep=() status label sanitizer
  for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
  for p in "$@"; do
    wait "$p" 2>/dev/null
    status=$?
    label=${label_of[$p]:-}
    [ -n "$label" ] || continue
    sanitizer=false
    grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$work/$label.err" && sanitizer=true
    echo "{\"event\":\"exit\",\"status\":$status,\"sanitizer\":$sanitizer}" >"$work/$label.proc.jsonl"
  done
  for q in "${pids[@]}"; do
    for p in "$@"; do [ "$q" = "$p" ] && continue 2; done
    keep+=("$q")
  done
  pids=("${keep[@]}")
}

# What zero-cli ($x, label $xl) must have from the browser ($y, label $yl) and the reverse,
# as "description :: expression" lines for check-jsonl.mjs. Live conditions (from stats
# lines) are in `live_pair`, the final ones (summaries) in `final_pair`.
live_pair() { # ZERO BROWSER
  local z=$1 b=$2
  echo "$z.has('stats', e => e.peer_id === $b.id && e.video_frames >= 30 && e.audio_frames >= 100)"
  echo "$z.has('chat', e => e.from === $b.id)"
  echo "$b.has('expectations-met')"
}
final_pair() { # ZERO BROWSER CODEC
  local z=$1 b=$2 codec=$3
  echo "$z sees $b connected :: $z.peer($b).connected === true"
  echo "$b sees $z connected :: $b.peer($z).connected === true"
  echo "$z decoded ≥ 20 video frames from $b :: $z.peer($b).video_frames >= 20 && $z.peer($b).nonblack_frames >= 20"
  echo "$b decoded ≥ 20 video frames from $z :: $b.peer($z).video_frames >= 20 && $b.peer($z).video_frames_rendered >= 20"
  echo "$z decoded ≥ 1 s of audio from $b :: $z.peer($b).audio_frames >= 50"
  echo "$b decoded ≥ 1 s of non-silent audio from $z :: $b.peer($z).audio_frames >= 100 && $b.peer($z).audio_energy > 0"
  echo "$z got $b's chat, exact text :: $z.has('chat', e => e.from === $b.id && e.text === 'hello from $b ✓') && $z.peer($b).chats === 1"
  echo "$b got $z's chat, exact text :: JSON.stringify($b.peer($z).chat_texts) === JSON.stringify(['hello from $z ✓'])"
  echo "$z's GET /info answered by $b :: $z.peer($b).info.app === 'zero-browser-reference' && $z.peer($b).info.name === '$b'"
  echo "$b's GET /info answered by $z :: $b.peer($z).info.app === 'zero' && $b.peer($z).info.name === '$z' && $b.peer($z).info.protocol === 1"
  echo "$b receives $codec and Opus from $z :: $b.peer($z).codecs.map(c => c.toLowerCase()).includes('video/$codec') && $b.peer($z).codecs.map(c => c.toLowerCase()).includes('audio/opus')"
}
# offerer_check FIRST SECOND: FIRST offered and SECOND answered, from the browser's record
# (one of them is the browser, whose label starts with "browser").
offerer_check() {
  local first=$1 second=$2
  if [ "${first#browser}" != "$first" ]; then
    echo "$first (there first) offered, $second answered :: $first.peer($second).offerer === true && $first.peer($second).offers_sent >= 1 && $first.peer($second).offers_received === 0 && $first.summary.errors === 0"
  else
    echo "$first (there first) offered, $second answered :: $second.peer($first).offerer === false && $second.peer($first).offers_received >= 1 && $second.peer($first).offers_sent === 0 && $second.summary.errors === 0"
  fi
}
final_common() { # LABEL...: each exits 0 (zero-cli: also its process, with no sanitizer report)
  local x
  for x in "$@"; do
    echo "$x exits 0 :: $x.exit === 0"
    [ "${x#browser}" = "$x" ] || continue
    echo "$x's process exits 0 with no sanitizer report :: ${x}_proc.has('exit', e => e.status === 0 && e.sanitizer === false)"
  done
}

# ---- one pair in a given join order --------------------------------------------------------
pair_case() { # N ORDER CODEC
  local n=$1 order=$2 codec=$3 session z_pid b_pid first second
  session=$(uuid)
  local z="zero$n" b="browser$n"
  echo "# case $n: $order, $codec"
  if [ "$order" = cli-first ]; then
    zero "$z" --create --session "$session" --codec "$codec"
    z_pid=$last_pid
    wait_event "$z" joined 20 "$z_pid" || bail "case $n: zero-cli did not join ($(tail -c 300 "$work/$z.err"))"
    browser "$b" --join "$session" --codec "$codec" --expect-peers 1 --expect-audio \
      --expect-chats 1 --expect-info
    b_pid=$last_pid
    first=$z second=$b
  else
    browser "$b" --create --session "$session" --codec "$codec" --expect-peers 1 \
      --expect-audio --expect-chats 1 --expect-info
    b_pid=$last_pid
    wait_event "$b" joined 60 "$b_pid" || bail "case $n: the browser did not join ($(tail -c 300 "$work/$b.err"))"
    zero "$z" --join "$session" --codec "$codec"
    z_pid=$last_pid
    first=$b second=$z
  fi
  local live=()
  mapfile -t live < <(live_pair "$z" "$b")
  local runs=("$z=$work/$z.jsonl" "$b=$work/$b.jsonl")
  local conds
  conds=$(printf '%s && ' "${live[@]}")
  wait_until 90 "${runs[@]}" -- "${conds% && }" ||
    echo "# case $n: not everything arrived within 90 s; checking what did"
  sleep 1
  stop "$z_pid" "$b_pid"
  local checks=()
  mapfile -t checks < <(final_pair "$z" "$b" "$codec"; final_common "$z" "$b")
  # The earlier member offers (PROTOCOL.md 5): the browser logs which side it was.
  if [ "$first" = "$z" ]; then
    checks+=("$(offerer_check "$z" "$b")")
  else
    checks+=("$(offerer_check "$b" "$z")")
  fi
  check "${runs[@]}" "${z}_proc=$work/$z.proc.jsonl" --prefix "case $n: " -- "${checks[@]}"
}

# ---- three parties -------------------------------------------------------------------------
three_case() { # N
  local n=$1 session p1 p2 pb
  local z1="zero$n" z2="zed$n" b="browser$n"
  session=$(uuid)
  echo "# case $n: three parties ($z1 creates, $b joins, $z2 joins), vp8"
  zero "$z1" --create --session "$session"
  p1=$last_pid
  wait_event "$z1" joined 20 "$p1" || bail "case $n: zero-cli did not join"
  browser "$b" --join "$session" --expect-peers 2 --expect-audio --expect-chats 1 --expect-info
  pb=$last_pid
  wait_event "$b" joined 60 "$pb" || bail "case $n: the browser did not join ($(tail -c 300 "$work/$b.err"))"
  zero "$z2" --join "$session"
  p2=$last_pid
  local runs=("$z1=$work/$z1.jsonl" "$z2=$work/$z2.jsonl" "$b=$work/$b.jsonl")
  local live=()
  mapfile -t live < <(live_pair "$z1" "$b"; live_pair "$z2" "$b"
    echo "$z1.has('stats', e => e.peer_id === $z2.id && e.video_frames >= 30 && e.audio_frames >= 100)"
    echo "$z2.has('stats', e => e.peer_id === $z1.id && e.video_frames >= 30 && e.audio_frames >= 100)")
  local conds
  conds=$(printf '%s && ' "${live[@]}")
  wait_until 120 "${runs[@]}" -- "${conds% && }" ||
    echo "# case $n: not everything arrived within 120 s; checking what did"
  sleep 1
  stop "$p1" "$p2" "$pb"
  local checks=()
  mapfile -t checks < <(final_pair "$z1" "$b" vp8; final_pair "$z2" "$b" vp8
    for pair in "$z1 $z2" "$z2 $z1"; do
      set -- $pair
      echo "$1 decoded video and audio from $2 :: $1.peer($2).video_frames >= 20 && $1.peer($2).audio_frames >= 50"
      echo "$1 got $2's chat and GET /info :: $1.has('chat', e => e.from === $2.id && e.text === 'hello from $2 ✓') && $1.peer($2).info.app === 'zero'"
    done
    offerer_check "$z1" "$b"
    offerer_check "$b" "$z2"
    final_common "$z1" "$z2" "$b")
  check "${runs[@]}" "${z1}_proc=$work/$z1.proc.jsonl" "${z2}_proc=$work/$z2.proc.jsonl" \
    --prefix "case $n: " -- "${checks[@]}"
}

pair_case 1 cli-first vp8
pair_case 2 browser-first vp8
pair_case 3 browser-first h264
three_case 4

kill -TERM "$sig_pid" 2>/dev/null
wait "$sig_pid" 2>/dev/null
status=$?
sig_pid=""
read -r total failed <"$counter"
total=$((total + 1))
if [ "$status" = 0 ]; then
  echo "ok $total - zero-signaling exits 0 on SIGTERM"
else
  echo "not ok $total - zero-signaling exits 0 on SIGTERM (status $status)"
  failed=$((failed + 1))
fi
echo "1..$total"
[ "$failed" = 0 ]
