#!/usr/bin/env bash
# Browser peers in one Zero session through zero-signaling, checked end to end. Prints TAP.
#
#   browser-pair-test.sh [PATH/TO/zero-signaling]
#
# Each browser is headless Chromium running page/zero-peer.html (run-browser-peer.mjs).
#   0. The driver's contract: a bad option exits 2, an unreachable server exits 3.
#   1. alpha creates (with a password), beta joins: alpha offers. VP8, every candidate.
#      Video, audio (decoded, non-silent) and chat flow both ways; GET /info, /health and
#      /stats are answered, an unknown path gets 404;
#      a wrong password and an unknown session are refused (exit 3).
#   2. The other join order (beta creates, alpha joins), H.264, host candidates on the
#      machine's real interface only (non-loopback IPv4); beta's candidates carry only
#      sdpMLineIndex, alpha's only sdpMid.
#   3. In a loopback-only network namespace (unshare -n, its own zero-signaling): Chromium
#      on 127.0.0.1/::1 only; beta asks alpha to renegotiate (request-offer); a viewer
#      (gamma) joins, receives both, leaves; alpha and beta see peer-left and keep their call.
#      Without namespaces (not root, no user namespaces) it runs on the host network with
#      loopback candidates only, and the check of the pair's addresses is reported as SKIP.
# Each zero-signaling must then exit 0 on SIGTERM with no sanitizer report on its stderr (so
# `meson test --setup asan` in a sanitizer build checks the server under real browsers).
# ZERO_SIGNALING_WRAPPER (e.g. "valgrind --error-exitcode=1 --leak-check=full") runs each
# zero-signaling under that command; its exit status is checked.
# Needs: node + `npm ci` in tests/browser (playwright-core), Chromium ($ZERO_CHROMIUM or
# /usr/bin/chromium). Logs and screenshots go to $ZERO_TEST_ARTIFACTS/browser-pair/ when set.
# Exit status: 0 when every check passed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
inner=0
if [ "${1:-}" = "--in-netns" ]; then
  # Re-run of this script inside `unshare -n` for case 3: SIG WORKDIR.
  inner=1
  sig=$2
  work=$3
else
  sig=${1:-${ZERO_SIGNALING:-${ZERO_BUILD_DIR:-$here/../../build}/tools/zero-signaling}}
  work=$(mktemp -d "${TMPDIR:-/tmp}/zero-browser-pair.XXXXXX")
  echo "0 0" >"$work/counter"
fi
counter="$work/counter"
pids=()

cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for _ in $(seq 50); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ "$inner" = 1 ] && return
  if [ -n "${ZERO_TEST_ARTIFACTS:-}" ]; then
    mkdir -p "$ZERO_TEST_ARTIFACTS/browser-pair"
    cp -r "$work"/. "$ZERO_TEST_ARTIFACTS/browser-pair/" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "Bail out! interrupted"; exit 130' INT TERM

bail() {
  echo "Bail out! $*"
  echo "# verdict: FAIL ($*)"
  exit 1
}

check() { node "$here/check-jsonl.mjs" --counter "$counter" "$@"; }

# ---- preconditions (missing ones fail: nothing passes by skipping) -----------------------
command -v node >/dev/null || bail "node is not installed"
[ -f "$here/node_modules/playwright-core/package.json" ] ||
  bail "playwright-core is not installed: run 'npm ci' in tests/browser (tools/run-tests does)"
chromium=${ZERO_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || bail "no Chromium at $chromium (Debian package chromium, or set ZERO_CHROMIUM)"
[ -x "$sig" ] || bail "no zero-signaling at $sig (build it: ninja -C BUILD tools/zero-signaling)"

# ---- helpers -----------------------------------------------------------------------------
# start_signaling LABEL: start zero-signaling --port 0; sets $url and $sig_pid.
start_signaling() {
  # shellcheck disable=SC2086 # the wrapper is a command line
  ${ZERO_SIGNALING_WRAPPER:-} "$sig" --port 0 >"$work/$1.out" 2>"$work/$1.err" &
  sig_pid=$!
  pids+=("$sig_pid")
  url=""
  for _ in $(seq 300); do
    url=$(sed -n 's/^listening on \(wss\?:\/\/[^ ]*\)$/\1/p' "$work/$1.out" | head -n1)
    [ -n "$url" ] && break
    kill -0 "$sig_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$url" ] ||
    bail "zero-signaling did not print 'listening on ws://…' ($(head -c 300 "$work/$1.err"))"
  echo "# zero-signaling: $url"
}

# stop_signaling LABEL: SIGTERM the server started as LABEL; it must exit 0 (CLI.md) and
# its stderr must hold no sanitizer report (this test also runs under --setup asan).
stop_signaling() {
  local label=$1 status q keep=()
  kill -TERM "$sig_pid" 2>/dev/null
  wait "$sig_pid" 2>/dev/null
  status=$?
  for q in "${pids[@]}"; do [ "$q" = "$sig_pid" ] || keep+=("$q"); done
  pids=("${keep[@]}")
  local sanitizer=false
  grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$work/$label.err" && sanitizer=true
  echo "{\"event\":\"exit\",\"status\":$status,\"sanitizer\":$sanitizer}" >"$work/$label.jsonl"
  check server="$work/$label.jsonl" --prefix "$label: " -- \
    "zero-signaling exits 0 on SIGTERM :: server.has('exit', e => e.status === 0)" \
    "no sanitizer report from zero-signaling :: server.has('exit', e => e.sanitizer === false)"
}

# peer LABEL ARGS...: start a browser peer (output in $work/LABEL.jsonl); sets $last_pid.
peer() {
  local label=$1
  shift
  node "$here/run-browser-peer.mjs" --server "$url" "$@" \
    >"$work/$label.jsonl" 2>"$work/$label.err" &
  last_pid=$!
  pids+=("$last_pid")
}

# wait_event LABEL EVENT SECONDS PID: wait until LABEL's output has EVENT (false on timeout
# or when the driver, PID, exited without it).
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

# stop PID...: SIGTERM (the driver leaves cleanly and prints its summary), then wait.
stop() {
  local p q keep=()
  for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
  for p in "$@"; do wait "$p" 2>/dev/null; done
  for q in "${pids[@]}"; do
    for p in "$@"; do [ "$q" = "$p" ] && continue 2; done
    keep+=("$q")
  done
  pids=("${keep[@]}")
}

uuid() { cat /proc/sys/kernel/random/uuid; }

# why LABEL: the driver's first error line, else the end of its stderr.
why() {
  grep -m1 '"event":"error"' "$work/$1.jsonl" 2>/dev/null || tail -c 300 "$work/$1.err"
}

# The expectations every full participant must meet from each other peer.
# 100 audio frames: the checks below ask for >= 1 s of decoded audio.
expect_media=(--expect-audio-frames 100 --expect-chats 1 --expect-info)
# The other data-channel requests every Zero peer answers (PROTOCOL.md 7), and an unknown path.
requests=(--request /health --request /stats --request /no-such-path)
both_ways() { # A B CODEC [requests]: checks over runs named A and B (in check-jsonl scope)
  local a=$1 b=$2 codec=$3 reqs=${4:-} x y
  for x in "$a" "$b"; do
    y=$([ "$x" = "$a" ] && echo "$b" || echo "$a")
    echo "$x exits 0 :: $x.exit === 0"
    echo "$x sees $y connected :: $x.peer($y).connected === true"
    echo "$x decoded ≥ 20 video frames from $y :: $x.peer($y).video_frames >= 20"
    echo "$x rendered ≥ 20 of them :: $x.peer($y).video_frames_rendered >= 20"
    echo "$x decoded ≥ 1 s of non-silent audio from $y :: $x.peer($y).audio_frames >= 100 && $x.peer($y).audio_energy > 0"
    echo "$x got $y's chat :: $x.peer($y).chat_texts.includes('hello from $y ✓')"
    echo "$x got $y's GET /info :: $x.peer($y).info.app === 'zero-browser-reference' && $x.peer($y).info.name === '$y'"
    echo "$x answered $y's requests :: $x.peer($y).requests_answered >= 1"
    echo "$x got $y's state :: $x.peer($y).remote_state.audio === true && $x.peer($y).remote_state.video === true"
    echo "$x receives $codec :: $x.peer($y).codecs.includes('video/$codec') && $x.peer($y).codecs.includes('audio/opus')"
    echo "$x saw no protocol error :: $x.summary.errors === 0"
    [ -n "$reqs" ] || continue
    echo "$y answered $x's GET /health :: $x.peer($y).responses['/health'].status === 200 && $x.peer($y).responses['/health'].body.status === 'ok'"
    echo "$y answered $x's GET /stats :: ((r) => r.status === 200 && ['rtt_ms', 'send_kbps', 'recv_kbps', 'packets_lost', 'fps_in'].every(k => k in r.body) && Array.isArray(r.body.codecs))($x.peer($y).responses['/stats'])"
    echo "$y answered an unknown path with 404 :: $x.peer($y).responses['/no-such-path'].status === 404"
  done
}


# ---- 0: the driver's own contract (exit codes, JSON lines) -----------------------------
case0() {
  echo "# case 0: the driver's exit codes"
  node "$here/run-browser-peer.mjs" --server "$url" --create --resolution huge \
    >"$work/usage.jsonl" 2>"$work/usage.err"
  echo "{\"event\":\"exit\",\"status\":$?}" >>"$work/usage.jsonl"
  # Port 9 (discard) has no listener on loopback here; nothing answers the WebSocket.
  node "$here/run-browser-peer.mjs" --server ws://127.0.0.1:9/ws --create --seconds 20 \
    >"$work/unreachable.jsonl" 2>"$work/unreachable.err"
  echo "{\"event\":\"exit\",\"status\":$?}" >>"$work/unreachable.jsonl"
  check usage="$work/usage.jsonl" unreachable="$work/unreachable.jsonl" --prefix 'case 0: ' -- \
    "a bad option exits 2 with an error line :: usage.has('exit', e => e.status === 2) && usage.has('error', e => e.code === 'usage')" \
    "an unreachable server exits 3 :: unreachable.has('exit', e => e.status === 3) && unreachable.summary.exit_code === 3" \
    "stdout holds JSON lines only, summary last :: [usage, unreachable].every(r => r.junk.length === 0 && r.events[r.events.length - 2].event === 'summary')"
}

# ---- 1: alpha creates, beta joins (alpha offers) ---------------------------------------
case1() {
  echo "# case 1: alpha creates (password), beta joins; VP8, all candidates"
  s1=$(uuid)
  peer alpha --create --session "$s1" --password 's3cret' --name alpha --chat 'hello from alpha ✓' \
    --codec vp8 --expect-peers 1 "${expect_media[@]}" "${requests[@]}" --seconds 150 \
    --screenshot "$work/case1-alpha.png"
  a_pid=$last_pid
  wait_event alpha joined 60 "$a_pid" || bail "alpha did not join: $(why alpha)"
  peer beta --join "$s1" --password 's3cret' --name beta --chat 'hello from beta ✓' \
    --codec vp8 --expect-peers 1 "${expect_media[@]}" "${requests[@]}" --seconds 150 \
    --screenshot "$work/case1-beta.png"
  b_pid=$last_pid
  wait_event alpha expectations-met 90 "$a_pid"
  wait_event beta expectations-met 90 "$b_pid"
  # While the call goes on: a wrong password, and a session that does not exist.
  peer intruder --join "$s1" --password 'wrong' --name intruder --seconds 30
  i_pid=$last_pid
  peer stray --join "$(uuid)" --name stray --seconds 30
  x_pid=$last_pid
  wait "$i_pid" "$x_pid" 2>/dev/null
  stop "$b_pid"
  sleep 1
  stop "$a_pid" "$i_pid" "$x_pid"
  mapfile -t c1 < <(both_ways alpha beta VP8 requests)
  check alpha="$work/alpha.jsonl" beta="$work/beta.jsonl" intruder="$work/intruder.jsonl" \
    stray="$work/stray.jsonl" --prefix 'case 1: ' -- \
    "alpha joined an empty session :: alpha.has('joined', e => e.peers.length === 0)" \
    "beta's welcome lists alpha :: beta.has('joined', e => e.peers.includes(alpha.id))" \
    "alpha offers, beta answers (PROTOCOL.md 5) :: alpha.peer(beta).offerer === true && beta.peer(alpha).offerer === false && alpha.peer(beta).offers_sent >= 1 && beta.peer(alpha).offers_received >= 1" \
    "${c1[@]}" \
    "alpha saw beta leave (reason leave) :: alpha.has('peer-left', e => e.peer_id === beta.id && e.reason === 'leave')" \
    "a wrong password is refused: auth-failed, exit 3 :: intruder.exit === 3 && intruder.has('error', e => e.code === 'auth-failed')" \
    "an unknown session is refused: no-such-session, exit 3 :: stray.exit === 3 && stray.has('error', e => e.code === 'no-such-session')" \
    "the refused peers never reached alpha :: !alpha.has('peer-joined', e => e.name === 'intruder' || e.name === 'stray')"
  node "$here/check-jsonl.mjs" --timings alpha="$work/alpha.jsonl" beta="$work/beta.jsonl"
  mv "$work/alpha.jsonl" "$work/case1-alpha.jsonl"
  mv "$work/beta.jsonl" "$work/case1-beta.jsonl"
}

# ---- 2: the other order: beta creates, alpha joins (beta offers); real interface --------
case2() {
  real_v4=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -n1)
  if [ -n "$real_v4" ]; then
    ice=lan4
    echo "# case 2: beta creates, alpha joins; H.264; host candidates on $real_v4 only"
  else
    ice=lan
    echo "# case 2: beta creates, alpha joins; H.264; no global IPv4 address here: non-loopback candidates"
  fi
  s2=$(uuid)
  peer beta --create --session "$s2" --name beta --chat 'hello from beta ✓' --codec h264 \
    --ice-fields mline \
    --ice "$ice" --expect-peers 1 "${expect_media[@]}" "${requests[@]}" --seconds 150
  b_pid=$last_pid
  wait_event beta joined 60 "$b_pid" || bail "beta did not join: $(why beta)"
  peer alpha --join "$s2" --name alpha --chat 'hello from alpha ✓' --codec h264 \
    --ice-fields mid \
    --ice "$ice" --expect-peers 1 "${expect_media[@]}" "${requests[@]}" --seconds 150
  a_pid=$last_pid
  wait_event alpha expectations-met 90 "$a_pid"
  wait_event beta expectations-met 90 "$b_pid"
  sleep 1.5
  stop "$a_pid"
  sleep 1
  stop "$b_pid"
  mapfile -t c2 < <(both_ways alpha beta H264 requests)
  if [ "$ice" = lan4 ]; then
    pair_check="the pair uses $real_v4's host candidates on both sides :: [alpha.peer(beta), beta.peer(alpha)].every(p => p.selected_pair && / $real_v4:\\d+ host\$/.test(' ' + p.selected_pair.local) && / $real_v4:\\d+ host\$/.test(' ' + p.selected_pair.remote))"
  else
    pair_check="the pair uses non-loopback host candidates :: [alpha.peer(beta), beta.peer(alpha)].every(p => p.selected_pair && !/ (127\\.|::1:)/.test(' ' + p.selected_pair.local + ' ' + p.selected_pair.remote))"
  fi
  check alpha="$work/alpha.jsonl" beta="$work/beta.jsonl" --prefix 'case 2: ' -- \
    "alpha's welcome lists beta :: alpha.has('joined', e => e.peers.includes(beta.id))" \
    "beta offers, alpha answers (PROTOCOL.md 5) :: beta.peer(alpha).offerer === true && alpha.peer(beta).offerer === false" \
    "${c2[@]}" \
    "$pair_check" \
    "candidates with only sdpMLineIndex are used :: alpha.peer(beta).ice_mline_only >= 1 && !alpha.peer(beta).ice_mid_only" \
    "candidates with only sdpMid are used :: beta.peer(alpha).ice_mid_only >= 1 && !beta.peer(alpha).ice_mline_only" \
    "beta saw alpha leave (reason leave) :: beta.has('peer-left', e => e.peer_id === alpha.id && e.reason === 'leave')"
  node "$here/check-jsonl.mjs" --timings alpha="$work/alpha.jsonl" beta="$work/beta.jsonl"
  mv "$work/alpha.jsonl" "$work/case2-alpha.jsonl"
  mv "$work/beta.jsonl" "$work/case2-beta.jsonl"
}

# ---- 3: loopback only, renegotiation, a viewer comes and goes --------------------------
case3() { # NETNS: 1 inside a loopback-only namespace, 0 on the host network
  local netns=$1
  if [ "$netns" = 1 ]; then
    echo "# case 3: loopback-only network namespace; request-offer; viewer gamma joins and leaves"
  else
    echo "# case 3: host network, loopback candidates only; request-offer; viewer gamma joins and leaves"
  fi
  s3=$(uuid)
  peer alpha --create --session "$s3" --name alpha --chat 'hello from alpha ✓' --ice loopback \
    --stats --expect-peers 1 "${expect_media[@]}" --seconds 150
  a_pid=$last_pid
  wait_event alpha joined 60 "$a_pid" || bail "alpha did not join: $(why alpha)"
  peer beta --join "$s3" --name beta --chat 'hello from beta ✓' --ice loopback --stats \
    --request-offer-after 1000 --expect-peers 1 "${expect_media[@]}" --seconds 150
  b_pid=$last_pid
  wait_event alpha expectations-met 90 "$a_pid"
  wait_event beta expectations-met 90 "$b_pid"
  peer gamma --join "$s3" --name gamma --role viewer --ice loopback --expect-peers 2 \
    "${expect_media[@]}" --seconds 150
  g_pid=$last_pid
  wait_event gamma expectations-met 90 "$g_pid"
  sleep 1
  stop "$g_pid"
  sleep 3 # alpha and beta go on without gamma
  stop "$b_pid"
  sleep 1
  stop "$a_pid"
  mapfile -t c3 < <(both_ways alpha beta VP8 | grep -v ' receives ')
  if [ "$netns" = 1 ]; then
    pair_check="alpha and beta pair over loopback addresses :: [alpha.peer(beta), beta.peer(alpha)].every(p => p.selected_pair && / (127\\.0\\.0\\.1|::1):\\d+ /.test(' ' + p.selected_pair.local + ' ') && / (127\\.0\\.0\\.1|::1):\\d+ /.test(' ' + p.selected_pair.remote + ' '))"
  else
    pair_check="alpha and beta pair over loopback addresses # SKIP needs a loopback-only namespace (unshare -n) :: true"
  fi
  check alpha="$work/alpha.jsonl" beta="$work/beta.jsonl" gamma="$work/gamma.jsonl" \
    --prefix 'case 3: ' -- \
    "${c3[@]}" \
    "$pair_check" \
    "beta sent request-offer and alpha re-offered :: beta.peer(alpha).request_offers_sent >= 1 && alpha.peer(beta).offers_sent >= 2 && beta.peer(alpha).offers_received >= 2" \
    "gamma exits 0 :: gamma.exit === 0" \
    "both members offer to the newcomer gamma :: alpha.peer(gamma).offerer === true && beta.peer(gamma).offerer === true && gamma.peer(alpha).offerer === false && gamma.peer(beta).offerer === false" \
    "viewer gamma decoded video and audio from alpha and beta :: [gamma.peer(alpha), gamma.peer(beta)].every(p => p.video_frames >= 20 && p.audio_frames >= 100 && p.audio_energy > 0)" \
    "viewer gamma sends no media, only the data channel :: [alpha.peer(gamma), beta.peer(gamma)].every(p => p.connected && p.video_frames === 0 && p.audio_frames === 0 && p.remote_state.video === false && p.info.name === 'gamma' && p.chat_texts.length === 0)" \
    "gamma got both chats :: gamma.peer(alpha).chat_texts.includes('hello from alpha ✓') && gamma.peer(beta).chat_texts.includes('hello from beta ✓')" \
    "alpha and beta saw gamma leave :: [alpha, beta].every(r => r.has('peer-left', e => e.peer_id === gamma.id && e.reason === 'leave'))" \
    "alpha still receives beta's video after gamma left :: alpha.after('peer-left', e => e.peer_id === gamma.id).filter(e => e.event === 'stats' && e.peer_id === beta.id && e.fps_in > 5).length >= 2" \
    "beta still receives alpha's video after gamma left :: beta.after('peer-left', e => e.peer_id === gamma.id).filter(e => e.event === 'stats' && e.peer_id === alpha.id && e.fps_in > 5).length >= 2" \
    "alpha↔beta stayed connected until beta left :: alpha.between('peer-left', e => e.peer_id === gamma.id, 'peer-left', e => e.peer_id === beta.id).filter(e => e.event === 'peer-state' && e.peer_id === beta.id).length === 0 && alpha.has('peer-left', e => e.peer_id === beta.id && e.reason === 'leave')"
  node "$here/check-jsonl.mjs" --timings alpha="$work/alpha.jsonl" beta="$work/beta.jsonl" gamma="$work/gamma.jsonl"
  for l in alpha beta gamma; do mv "$work/$l.jsonl" "$work/case3-$l.jsonl"; done
}

# ---- main --------------------------------------------------------------------------------
if [ "$inner" = 1 ]; then
  ip link set lo up || bail "cannot bring lo up in the namespace"
  start_signaling signaling-netns
  case3 1
  stop_signaling signaling-netns
  exit 0
fi

start_signaling signaling
echo "# $("$chromium" --version 2>/dev/null | tail -n1)"
case0
case1
case2
if unshare -n true 2>/dev/null; then
  unshare -n -- "$0" --in-netns "$sig" "$work" || bail "case 3 (in its namespace) bailed out"
else
  echo "# cannot create a network namespace here (unshare -n): case 3 on the host network"
  case3 0
fi
stop_signaling signaling

# ---- verdict -----------------------------------------------------------------------------
read -r n failed <"$counter"
echo "1..$n"
if [ "$n" -gt 0 ] && [ "$failed" -eq 0 ]; then
  echo "# verdict: PASS ($n checks)"
  exit 0
fi
echo "# verdict: FAIL ($failed of $n checks failed)"
exit 1
