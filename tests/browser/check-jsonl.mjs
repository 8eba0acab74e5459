#!/usr/bin/env node
// Checks JSON-lines runs (run-browser-peer.mjs, or zero-cli --json: same shapes) and prints
// one TAP line per assertion. Usage:
//
//   check-jsonl.mjs [--counter FILE] [--prefix TEXT] NAME=FILE... -- 'EXPR' ['EXPR'...]
//   check-jsonl.mjs --timings NAME=FILE...
//   check-jsonl.mjs --table FILE...     p50/p95 of the pair timings over many runs
//
// Each EXPR is a JavaScript expression over the runs, which are in scope by NAME, each with:
//   .events            every JSON object of the file, in order
//   .summary           the `summary` object ({} when missing)
//   .id                its own peer_id (from `joined`)
//   .exit              summary.exit_code (browser runs) or null
//   .peer(x)           summary.peers entry for x (another run, a peer id or a display name);
//                      {} when absent
//   .has(event, pred)  is there such an event (pred optional)?
//   .after(event, pred) the events after the first such event
//   .between(ev1, pred1, ev2, pred2) the events after the first ev1 and before the next ev2
// EXPR may be "description :: expression". --counter keeps TAP numbers (and failures) going
// across several calls: the file holds "number failures". Exit status 1 if any EXPR failed.
import fs from 'node:fs';

function load(name, file) {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    text = '';
  }
  const events = [];
  const junk = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line));
    } catch (e) {
      junk.push(line);
    }
  }
  const kind = (e) => e.event || e.type; // tolerate either key for the event name
  const summary = [...events].reverse().find((e) => kind(e) === 'summary') || {};
  const joined = events.find((e) => kind(e) === 'joined') || {};
  const run = {
    name,
    file,
    events,
    junk,
    summary,
    id: joined.peer_id || null,
    exit: summary.exit_code === undefined ? null : summary.exit_code,
  };
  const names = new Map(); // display name -> peer id, from the roster events
  for (const e of events) if (kind(e) === 'peer-joined' && e.name) names.set(e.name, e.peer_id);
  run.peer = (x) => {
    const peers = summary.peers || {};
    let id = typeof x === 'object' && x ? x.id : x;
    if (!(id in peers)) {
      const byName = Object.entries(peers).find(([, p]) => p && p.name === id);
      id = byName ? byName[0] : names.get(id);
    }
    return (id && peers[id]) || {};
  };
  run.has = (ev, pred) => events.some((e) => kind(e) === ev && (!pred || pred(e)));
  run.after = (ev, pred) => {
    const i = events.findIndex((e) => kind(e) === ev && (!pred || pred(e)));
    return i < 0 ? [] : events.slice(i + 1);
  };
  // The events after the first (ev1, pred1) and before the next (ev2, pred2) after it.
  run.between = (ev1, pred1, ev2, pred2) => {
    const rest = run.after(ev1, pred1);
    const j = rest.findIndex((e) => kind(e) === ev2 && (!pred2 || pred2(e)));
    return j < 0 ? rest : rest.slice(0, j);
  };
  return run;
}

function brief(run) {
  const s = run.summary;
  const peers = Object.entries(s.peers || {}).map(([id, p]) =>
    `${id}(${p.name || '?'}): connected=${p.connected} v=${p.video_frames} a=${p.audio_frames} ` +
    `energy=${p.audio_energy === undefined ? '?' : Number(p.audio_energy).toFixed(3)} ` +
    `chats=${p.chats} info=${p.info ? 'yes' : 'no'} state=${p.state} ` +
    `pair=${p.selected_pair ? `${p.selected_pair.local} <-> ${p.selected_pair.remote}` : '?'}`);
  const errors = run.events.filter((e) => (e.event || e.type) === 'error')
    .map((e) => `${e.code}: ${e.message}`);
  return [`${run.name} (${run.file}): id=${run.id} exit=${run.exit} ` +
          `reason=${s.exit_reason || '?'} lines=${run.events.length}`,
          ...peers.map((p) => `  ${p}`), ...errors.map((e) => `  error ${e}`),
          ...run.junk.slice(0, 3).map((j) => `  not JSON: ${j.slice(0, 120)}`)];
}

function timings(runs) {
  // Per pair and side, ms from the pair's start (join for the newcomer, peer-joined for the
  // member who offers) to connected, data channel open, first video and first audio frame.
  const rows = [];
  for (const run of runs) {
    for (const [id, p] of Object.entries(run.summary.peers || {})) {
      const t = p.timings || {};
      const from = t.created === undefined ? 0 : t.created;
      const d = (k) => (t[k] === undefined ? '-' : String(t[k] - from));
      rows.push(`${run.name} <- ${p.name || id} (${p.offerer ? 'offerer' : 'answerer'}): ` +
                `start ${from} ms after join; +offer ${d('offer')} +answer ${d('answer')} ` +
                `+connected ${d('connected')} +data ${d('data_open')} ` +
                `+video ${d('first_video')} +audio ${d('first_audio')} ms`);
    }
  }
  return rows;
}

function pct(values, q) {
  if (!values.length) return '-';
  const v = [...values].sort((a, b) => a - b);
  return String(v[Math.min(v.length - 1, Math.ceil(q * v.length) - 1)]);
}

// Over many runs: for the newcomer (answerer), ms from sending join; for the member who
// offers, ms from peer-joined. Columns: welcome (newcomer only), offer, connected, data
// channel open, first decoded video frame, first decoded audio; and from the offer (sent or
// received) to the first decoded video frame.
function table(files) {
  const cols = ['welcome', 'offer', 'answer', 'connected', 'data_open', 'first_video',
                'first_audio', 'offer_to_video'];
  const rows = { answerer: {}, offerer: {} };
  for (const c of cols) {
    rows.answerer[c] = [];
    rows.offerer[c] = [];
  }
  for (const f of files) {
    const run = load('x', f);
    for (const p of Object.values(run.summary.peers || {})) {
      const t = p.timings || {};
      const side = p.offerer ? 'offerer' : 'answerer';
      const from = p.offerer ? t.created : 0;
      if (from === undefined) continue;
      if (!p.offerer && typeof run.summary.welcome_ms === 'number') {
        rows.answerer.welcome.push(run.summary.welcome_ms);
      }
      for (const c of cols.slice(1, -1)) {
        if (typeof t[c] === 'number') rows[side][c].push(t[c] - from);
      }
      if (typeof t.offer === 'number' && typeof t.first_video === 'number') {
        rows[side].offer_to_video.push(t.first_video - t.offer);
      }
    }
  }
  const lines = [`side      n   ${cols.map((c) => c.padStart(17)).join('')}`];
  for (const side of ['answerer', 'offerer']) {
    const n = rows[side].connected.length;
    lines.push(`${side.padEnd(9)} ${String(n).padStart(3)} ` +
               cols.map((c) => `${pct(rows[side][c], 0.5)}/${pct(rows[side][c], 0.95)}`
                 .padStart(17)).join(''));
  }
  lines.push('(ms, p50/p95; answerer: from its join; offerer: from peer-joined; ' +
             'offer_to_video: from sending/receiving the offer)');
  return lines;
}

function main(argv) {
  if (argv[0] === '--table') {
    for (const l of table(argv.slice(1))) process.stdout.write(`${l}\n`);
    return 0;
  }
  let counterFile = null;
  let prefix = '';
  let showTimings = false;
  const runs = [];
  const exprs = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      i++;
      break;
    }
    if (a === '--counter') counterFile = argv[++i];
    else if (a === '--prefix') prefix = argv[++i];
    else if (a === '--timings') showTimings = true;
    else if (/^[A-Za-z_]\w*=/.test(a)) {
      const eq = a.indexOf('=');
      runs.push(load(a.slice(0, eq), a.slice(eq + 1)));
    } else {
      process.stderr.write(`check-jsonl: bad argument "${a}"\n`);
      return 2;
    }
  }
  exprs.push(...argv.slice(i));
  if (showTimings) {
    for (const r of timings(runs)) process.stdout.write(`# ${r}\n`);
    return 0;
  }
  let n = 0;
  let failures = 0;
  if (counterFile && fs.existsSync(counterFile)) {
    [n, failures] = fs.readFileSync(counterFile, 'utf8').trim().split(/\s+/).map(Number);
  }
  const names = runs.map((r) => r.name);
  let failedHere = false;
  for (const raw of exprs) {
    const sep = raw.indexOf(' :: ');
    const desc = sep >= 0 ? raw.slice(0, sep) : raw;
    const expr = sep >= 0 ? raw.slice(sep + 4) : raw;
    let ok = false;
    let why = '';
    try {
      ok = !!new Function(...names, `return (${expr});`)(...runs);
    } catch (e) {
      why = ` (threw ${e.message})`;
    }
    n++;
    if (!ok) {
      failures++;
      failedHere = true;
    }
    process.stdout.write(`${ok ? 'ok' : 'not ok'} ${n} - ${prefix}${desc}${why}\n`);
    if (!ok && sep >= 0) process.stdout.write(`#   expression: ${expr}\n`);
  }
  if (failedHere) {
    for (const r of runs) for (const line of brief(r)) process.stdout.write(`# ${line}\n`);
  }
  if (counterFile) fs.writeFileSync(counterFile, `${n} ${failures}\n`);
  return failedHere ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
