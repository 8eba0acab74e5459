#!/usr/bin/env bash
# run-with-pipewire.sh: run a command inside a private, headless PipeWire session
# that has a virtual camera and a virtual microphone.
#
#   run-with-pipewire.sh [--no-camera] [--no-mic] [--camera-caps CAPS] [--camera-role]
#                        -- COMMAND [ARGS...]
#
# It makes a private XDG_RUNTIME_DIR (0700), starts a session bus (dbus-run-session),
# pipewire and wireplumber, waits until `wpctl status` answers, then creates
#   - a virtual camera: videotestsrc ! CAPS ! pipewiresink mode=provide
#     (media.class=Video/Source, node.name=$ZERO_PW_CAMERA), and
#   - a virtual microphone: pw-loopback (Audio/Sink -> Audio/Source, node.name=$ZERO_PW_MIC)
#     fed by audiotestsrc (pipewiresink mode=provide as Audio/Source delivers no data).
# COMMAND then runs with XDG_RUNTIME_DIR, DBUS_SESSION_BUS_ADDRESS, ZERO_PW_CAMERA,
# ZERO_PW_CAMERA_KEEPALIVE (a consumer the harness keeps linked to the camera, see below),
# ZERO_PW_MIC and ZERO_PW_HARNESS=1 exported; its exit status is the script's.
# Everything started here is stopped on exit, also on failure or a signal.
# --camera-role gives the virtual camera media.role=Camera, as the Camera portal (and
# WirePlumber's access-portal rules) expect of a real camera node.
#
# The harness never skips: when pipewire cannot run it fails (exit 1) with a message, so
# a CI that lacks the packages goes red instead of silently green.
# Its own messages go to stderr only, so COMMAND's stdout (e.g. TAP) is left untouched.
set -u

log() { printf 'pipewire-harness: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

camera=1
mic=1
camera_caps='video/x-raw,format=I420,width=320,height=240,framerate=30/1'
camera_role=0
while [ $# -gt 0 ]; do
  case "$1" in
    --no-camera) camera=0 ;;
    --no-mic) mic=0 ;;
    --camera-caps) shift; camera_caps="${1:?--camera-caps needs a value}" ;;
    --camera-role) camera_role=1 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,20p' "$0" >&2; exit 0 ;;
    *) break ;;
  esac
  shift
done
[ $# -gt 0 ] || die "no command given (usage: $0 [options] -- COMMAND [ARGS...])"

# Stage 2: we run inside dbus-run-session; start the daemons and the command.
if [ "${ZERO_PW_HARNESS_INNER:-}" = 1 ]; then
  pids=()
  cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    # Reverse order: feeders first, then wireplumber, then pipewire.
    local i
    for ((i=${#pids[@]}-1; i>=0; i--)); do kill -TERM "${pids[$i]}" 2>/dev/null; done
    local deadline=$((SECONDS + 5))
    for p in "${pids[@]}"; do
      while kill -0 "$p" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
      kill -KILL "$p" 2>/dev/null
      wait "$p" 2>/dev/null
    done
    exit "$rc"
  }
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP

  logdir="$XDG_RUNTIME_DIR/logs"
  mkdir -p "$logdir"
  dump_logs() {
    local f
    for f in "$logdir"/*.log; do
      [ -s "$f" ] || continue
      log "---- $(basename "$f") (last 20 lines) ----"
      tail -n 20 "$f" >&2
    done
  }

  pipewire >"$logdir/pipewire.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 200); do
    [ -S "$XDG_RUNTIME_DIR/pipewire-0" ] && break
    kill -0 "${pids[0]}" 2>/dev/null || { dump_logs; die "pipewire exited at start"; }
    sleep 0.025
  done
  [ -S "$XDG_RUNTIME_DIR/pipewire-0" ] || { dump_logs; die "pipewire socket did not appear"; }

  wireplumber >"$logdir/wireplumber.log" 2>&1 &
  pids+=($!)
  ok=0
  for _ in $(seq 1 200); do
    if wpctl status >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.025
  done
  [ $ok = 1 ] || { dump_logs; die "wpctl status does not answer (wireplumber not ready)"; }

  # Waits until a node named $1 exists.
  wait_node() {
    local i
    for i in $(seq 1 200); do
      pw-cli ls Node 2>/dev/null | grep -q "node.name = \"$1\"" && return 0
      sleep 0.05
    done
    return 1
  }

  if [ $camera = 1 ]; then
    export ZERO_PW_CAMERA=zero-test-camera
    role_prop=
    [ $camera_role = 1 ] && role_prop=,media.role=Camera
    gst-launch-1.0 -q videotestsrc is-live=true pattern=ball ! "$camera_caps" ! \
      pipewiresink mode=provide \
      stream-properties="props,media.class=Video/Source,node.name=$ZERO_PW_CAMERA,node.description=Zero-Test-Camera$role_prop" \
      >"$logdir/camera.log" 2>&1 &
    pids+=($!)
    wait_node "$ZERO_PW_CAMERA" || { dump_logs; die "virtual camera node did not appear"; }

    # Work-around for gstreamer1.0-pipewire 0.3.65 (not our code): when the last consumer
    # of a `pipewiresink mode=provide` node goes away, the provider's streaming thread
    # blocks in its GstPipeWirePool (gst_buffer_pool_acquire_buffer, g_cond_wait) and
    # stays blocked when a new consumer links: the link is "active", the node "running",
    # and no frame ever comes. Only when WirePlumber suspends the idle node (5 s later) is
    # the pool reset. So a consumer that reopens the camera 1-4 s after closing it (a test
    # right after another, a video pause) would wait forever. A real camera (PipeWire's
    # V4L2 node) is not affected. Keep one consumer linked for the whole session, so the
    # provider never goes idle; tests that look at links ignore this node
    # ($ZERO_PW_CAMERA_KEEPALIVE).
    export ZERO_PW_CAMERA_KEEPALIVE=zero-harness-camera-keepalive
    gst-launch-1.0 -q pipewiresrc target-object="$ZERO_PW_CAMERA" \
      client-name="$ZERO_PW_CAMERA_KEEPALIVE" \
      stream-properties="props,node.name=$ZERO_PW_CAMERA_KEEPALIVE" ! \
      video/x-raw ! fakesink sync=false \
      >"$logdir/camera-keepalive.log" 2>&1 &
    pids+=($!)
    ok=0
    for _ in $(seq 1 200); do
      if pw-link -l 2>/dev/null | grep -q "|-> $ZERO_PW_CAMERA_KEEPALIVE:"; then ok=1; break; fi
      sleep 0.05
    done
    [ $ok = 1 ] || { dump_logs; die "virtual camera keep-alive consumer did not link"; }
  fi

  if [ $mic = 1 ]; then
    export ZERO_PW_MIC=zero-test-mic
    pw-loopback --name=zero-test-mic-loop \
      --capture-props="media.class=Audio/Sink node.name=$ZERO_PW_MIC-sink node.description=Zero-Test-Mic-Sink audio.position=[MONO]" \
      --playback-props="media.class=Audio/Source node.name=$ZERO_PW_MIC node.description=Zero-Test-Mic audio.position=[MONO]" \
      >"$logdir/mic-loopback.log" 2>&1 &
    pids+=($!)
    wait_node "$ZERO_PW_MIC-sink" || { dump_logs; die "virtual microphone sink did not appear"; }
    wait_node "$ZERO_PW_MIC" || { dump_logs; die "virtual microphone source did not appear"; }
    # node.group: the microphone chain is driven by the Dummy-Driver, as a sound card would
    # drive it. Left alone, PipeWire 0.3.65 hands a driverless chain to a driver that is
    # already running: the virtual camera (driving at 30 frames a second, with the
    # keep-alive above), and the microphone then delivered ~1/30 of its samples.
    gst-launch-1.0 -q audiotestsrc is-live=true wave=sine freq=440 volume=0.5 ! \
      audio/x-raw,rate=48000,channels=1 ! \
      pipewiresink target-object="$ZERO_PW_MIC-sink" \
      stream-properties="props,node.name=zero-test-mic-feeder,node.dont-reconnect=true,node.group=pipewire.dummy" \
      >"$logdir/mic-feed.log" 2>&1 &
    pids+=($!)
  fi

  export ZERO_PW_HARNESS=1
  unset ZERO_PW_HARNESS_INNER
  log "ready in ${SECONDS}s (XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR camera=${ZERO_PW_CAMERA:-none} mic=${ZERO_PW_MIC:-none})"
  "$@"
  rc=$?
  [ $rc = 0 ] || dump_logs
  exit $rc
fi

# Stage 1: check the tools, make the private runtime dir, enter a private session bus.
for tool in pipewire wireplumber wpctl pw-cli pw-loopback dbus-run-session gst-launch-1.0; do
  command -v "$tool" >/dev/null 2>&1 || \
    die "'$tool' is not installed; install pipewire pipewire-bin wireplumber dbus-daemon gstreamer1.0-tools gstreamer1.0-pipewire"
done

runtime=$(mktemp -d "${TMPDIR:-/tmp}/zero-pw.XXXXXX") || die "cannot make a runtime dir"
chmod 0700 "$runtime"
trap 'rm -rf "$runtime"' EXIT

# Keep the daemons' state (wireplumber's) away from the user's real one.
export XDG_RUNTIME_DIR="$runtime"
export XDG_STATE_HOME="$runtime/state" XDG_CONFIG_HOME="$runtime/config"
export XDG_DATA_HOME="$runtime/data" XDG_CACHE_HOME="${XDG_CACHE_HOME:-$HOME/.cache}"
unset PIPEWIRE_REMOTE PIPEWIRE_RUNTIME_DIR PULSE_SERVER
export ZERO_PW_HARNESS_INNER=1
args=()
[ $camera = 1 ] || args+=(--no-camera)
[ $mic = 1 ] || args+=(--no-mic)
[ $camera_role = 0 ] || args+=(--camera-role)
dbus-run-session -- bash "$0" "${args[@]}" --camera-caps "$camera_caps" -- "$@"
