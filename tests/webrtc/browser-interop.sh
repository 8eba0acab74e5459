#!/bin/sh
# browser-interop.sh: ZeroPeer against headless Chromium (tests/browser's reference peer)
# through zero-signaling, in both join orders (the earlier member offers) and both video
# codecs. Each case: media both ways (decoded frames counted on both sides), a chat each way
# and the browser's GET /info answered. TAP output; exit 77 (skip) without Chromium, node or
# playwright-core.
#
# usage: browser-interop.sh ZERO_SIGNALING PEER_INTEROP BROWSER_DIR
set -u
SIGNALING=$1 INTEROP=$2 BROWSER_DIR=$3
CHROMIUM=${ZERO_CHROMIUM:-/usr/bin/chromium}

if [ ! -x "$CHROMIUM" ] || ! command -v node >/dev/null 2>&1 ||
   [ ! -d "$BROWSER_DIR/node_modules/playwright-core" ]; then
  echo "1..0 # SKIP needs $CHROMIUM, node and playwright-core (npm ci in $BROWSER_DIR)"
  exit 77
fi

TMP=$(mktemp -d)
SIG_PID=
cleanup () {
  [ -n "$SIG_PID" ] && kill "$SIG_PID" 2>/dev/null && wait "$SIG_PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

"$SIGNALING" --port 0 >"$TMP/sig.out" 2>"$TMP/sig.err" &
SIG_PID=$!
for _ in $(seq 50); do
  grep -q '^listening on ' "$TMP/sig.out" 2>/dev/null && break
  sleep 0.1
done
URL=$(sed -n 's/^listening on //p' "$TMP/sig.out")
[ -n "$URL" ] || { echo "Bail out! zero-signaling did not start"; exit 1; }

uuid () { cat /proc/sys/kernel/random/uuid; }
n=0 failed=0
echo "1..4"
for codec in vp8 h264; do
  for order in zero-first browser-first; do
    n=$((n + 1))
    sid=$(uuid)
    zflags=""; [ $codec = h264 ] && zflags="--h264"
    bflags="--server $URL --codec $codec --ice loopback --chat hi-from-chromium \
            --expect-peers 1 --expect-audio --expect-chats 1 --expect-info \
            --seconds 40 --until-met --linger 2"
    if [ $order = zero-first ]; then
      "$INTEROP" $zflags --server "$URL" --create --session "$sid" --seconds 45 \
        >"$TMP/z$n.out" 2>"$TMP/z$n.err" &
      zpid=$!
      sleep 1
      node "$BROWSER_DIR/run-browser-peer.mjs" $bflags --join "$sid" \
        >"$TMP/b$n.out" 2>"$TMP/b$n.err"
      brc=$?
      wait $zpid; zrc=$?
    else
      node "$BROWSER_DIR/run-browser-peer.mjs" $bflags --create --session "$sid" \
        >"$TMP/b$n.out" 2>"$TMP/b$n.err" &
      bpid=$!
      # The browser must have joined first: wait for its "joined" line.
      for _ in $(seq 200); do
        grep -q '"event":"joined"' "$TMP/b$n.out" 2>/dev/null && break
        sleep 0.1
      done
      "$INTEROP" $zflags --server "$URL" --join "$sid" --seconds 45 \
        >"$TMP/z$n.out" 2>"$TMP/z$n.err"
      zrc=$?
      wait $bpid; brc=$?
    fi
    if [ $zrc -eq 0 ] && [ $brc -eq 0 ]; then
      echo "ok $n - $codec $order"
    else
      failed=$((failed + 1))
      echo "not ok $n - $codec $order (peer-interop exit $zrc, browser exit $brc)"
      sed 's/^/# zero: /' "$TMP/z$n.out" "$TMP/z$n.err" | tail -20
      grep -v '"event":"stats"' "$TMP/b$n.out" | sed 's/^/# browser: /' | tail -5
      sed 's/^/# browser: /' "$TMP/b$n.err" | tail -10
    fi
  done
done
[ $failed -eq 0 ]
