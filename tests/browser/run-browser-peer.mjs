#!/usr/bin/env node
// Runs Zero's browser reference peer (page/zero-peer.html) in headless Chromium and prints
// what happens as JSON lines on stdout, in zero-cli --json's shapes (docs/CLI.md), so that one
// harness can read both. Diagnostics go to stderr. See usage() for the options.
import { chromium } from 'playwright-core';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PAGE_DIR = path.join(HERE, 'page');
const EXIT_OK = 0;
const EXIT_UNMET = 1;
const EXIT_USAGE = 2;
const EXIT_SIGNALING = 3;
const EXIT_BROWSER = 4;

const USAGE = `usage: run-browser-peer.mjs --server URL (--create [--session UUID] | --join UUID)
                           [options]

Session (as zero-cli):
  --server URL            signaling server, ws://HOST:PORT/ws (required)
  --create                create the session (a new UUID unless --session is given)
  --session UUID          with --create: the session to create
  --join UUID             join an existing session
  --name NAME             display name (default "browser")
  --password P, --token T, --role participant|viewer
Media:
  --video-source test|none   Chromium's fake camera (test, also auto) or nothing
  --audio-source test|none   Chromium's fake microphone (a beep) or nothing
  --resolution WxH|HD|FullHD (default 640x480)   --fps N (default 30)
  --codec vp8|h264|vp9    preferred video codec
  --ice all|loopback|lan|lan4|ipv4   which candidates are signalled and accepted: every
                          one (default), 127.0.0.1/::1 only, all but loopback, non-loopback
                          IPv4 only, IPv4 only
Behaviour:
  --ice-fields both|mid|mline   which of sdpMid / sdpMLineIndex trickled candidates carry
  --chat TEXT             send TEXT on every peer's data channel once it opens (repeatable)
  --request [METHOD ]PATH  also send this request to every peer once its channel opens
                          (repeatable; GET /info is always sent); answers in summary.responses
  --request-offer-after MS   as answerer, send request-offer MS ms after connecting
  --stdin                 read commands from stdin, one per line: "chat TEXT",
                          "request-offer PEER_ID", "leave" (stop now, as SIGTERM)
  --seconds N             leave cleanly after N seconds (default: run until SIGINT/SIGTERM,
                          or until --until-met holds)
  --until-met             leave as soon as the --expect-* conditions hold (bounded by --seconds)
  --linger N              with --until-met: stay N more seconds once they hold (default 0)
  --stats                 print a "stats" line per peer about once a second
  --json                  accepted for symmetry with zero-cli: output is always JSON lines
Expectations (exit 1 when unmet):
  --expect-peers N        at least N peers connected with decoded video (decoded audio for a
                          peer that sends no video) and meeting every option below
  --expect-audio          ... and decoded, non-silent audio from each of them
  --expect-audio-frames N ... and at least N decoded audio frames (10 ms each) from each
  --expect-chats N        ... and at least N chats from each of them
  --expect-info           ... and their GET /info answer
Harness:
  --page http|file        serve the page from 127.0.0.1:0 (default) or open it as file://
  --chromium PATH         browser binary (default $ZERO_CHROMIUM or /usr/bin/chromium)
  --join-timeout N        seconds to wait for welcome (default 15)
  --screenshot FILE       PNG of the page when the expectations are met, else before leaving
  --verbose               copy the page's console to stderr

Output: one JSON object per line, {"event": NAME, ...}: joined, peer-joined, peer-left,
peer-state, data-open, first-frame, chat, stats, error, expectations-met (once, when the
--expect-* conditions first hold), and summary (always the last line:
peers {peer_id: {connected, video_frames, audio_frames, chats, info, ...}}, cpu_s, max_rss_kb).
Exit: 0 done, 1 expectations not met, 2 usage, 3 signaling unreachable or join refused,
4 the browser failed.
`;

class UsageError extends Error {}

function parseArgs(argv) {
  const o = {
    server: null, create: false, session: null, join: null, name: 'browser', password: null,
    token: null, role: 'participant', video: 'test', audio: 'test', width: 640, height: 480,
    fps: 30, codec: null, ice: 'all', iceFields: 'both', chats: [], requests: [], stdin: false,
    requestOfferAfter: 0, seconds: null,
    untilMet: false, linger: 0, stats: false, expectPeers: null, expectAudio: false,
    expectAudioFrames: 1,
    expectChats: 0, expectInfo: false, page: 'http',
    chromium: process.env.ZERO_CHROMIUM || '/usr/bin/chromium', joinTimeout: 15,
    screenshot: null, verbose: false,
  };
  const uuidRe = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
  const args = [...argv];
  const value = (opt) => {
    if (!args.length) throw new UsageError(`${opt} needs a value`);
    return args.shift();
  };
  const num = (opt, min, max = Infinity) => {
    const s = value(opt);
    const n = Number(s);
    if (!/^\d+(\.\d+)?$/.test(s) || n < min || n > max) {
      throw new UsageError(`${opt}: expected a number in ${min}..${max}, got "${s}"`);
    }
    return n;
  };
  const oneOf = (opt, choices) => {
    const s = value(opt);
    if (!choices.includes(s)) {
      throw new UsageError(`${opt}: expected ${choices.join('|')}, got "${s}"`);
    }
    return s;
  };
  while (args.length) {
    let a = args.shift();
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    if (eq > 0) {
      args.unshift(a.slice(eq + 1));
      a = a.slice(0, eq);
    }
    switch (a) {
      case '--server': o.server = value(a); break;
      case '--create': o.create = true; break;
      case '--session': o.session = value(a); break;
      case '--join': o.join = value(a); break;
      case '--name': o.name = value(a); break;
      case '--password': o.password = value(a); break;
      case '--token': o.token = value(a); break;
      case '--role': o.role = oneOf(a, ['participant', 'viewer']); break;
      case '--video-source': o.video = oneOf(a, ['auto', 'test', 'none']); break;
      case '--audio-source': o.audio = oneOf(a, ['auto', 'test', 'none']); break;
      case '--resolution': {
        const s = value(a);
        const presets = { HD: [1280, 720], FullHD: [1920, 1080] };
        const m = /^(\d{2,4})x(\d{2,4})$/.exec(s);
        if (presets[s]) [o.width, o.height] = presets[s];
        else if (m) [o.width, o.height] = [+m[1], +m[2]];
        else throw new UsageError(`--resolution: expected WxH, HD or FullHD, got "${s}"`);
        break;
      }
      case '--fps': o.fps = num(a, 1, 120); break;
      case '--codec': o.codec = oneOf(a, ['vp8', 'h264', 'vp9']); break;
      case '--ice': o.ice = oneOf(a, ['all', 'loopback', 'lan', 'lan4', 'ipv4']); break;
      case '--ice-fields': o.iceFields = oneOf(a, ['both', 'mid', 'mline']); break;
      case '--chat': {
        const t = value(a);
        if ([...t].length < 1 || [...t].length > 4096) {
          throw new UsageError('--chat: 1..4096 characters');
        }
        o.chats.push(t);
        break;
      }
      case '--request-offer-after': o.requestOfferAfter = num(a, 1); break;
      case '--request': {
        const r = value(a);
        if (!/^(?:(GET|POST)\s+)?\/\S*$/.test(r)) {
          throw new UsageError(`--request: expected [GET|POST ]/PATH, got "${r}"`);
        }
        o.requests.push(r);
        break;
      }
      case '--stdin': o.stdin = true; break;
      case '--seconds': o.seconds = num(a, 0.1); break;
      case '--until-met': o.untilMet = true; break;
      case '--linger': o.linger = num(a, 0); break;
      case '--stats': o.stats = true; break;
      case '--json': break;
      case '--expect-peers': o.expectPeers = num(a, 0, 1000); break;
      case '--expect-audio': o.expectAudio = true; break;
      case '--expect-audio-frames': o.expectAudio = true; o.expectAudioFrames = num(a, 1); break;
      case '--expect-chats': o.expectChats = num(a, 0); break;
      case '--expect-info': o.expectInfo = true; break;
      case '--page': o.page = oneOf(a, ['http', 'file']); break;
      case '--chromium': o.chromium = value(a); break;
      case '--join-timeout': o.joinTimeout = num(a, 1); break;
      case '--screenshot': o.screenshot = value(a); break;
      case '--verbose': o.verbose = true; break;
      case '-h': case '--help': process.stdout.write(USAGE); process.exit(EXIT_OK); break;
      default: throw new UsageError(`unknown option "${a}"`);
    }
  }
  if (!o.server) throw new UsageError('--server URL is required');
  if (!/^wss?:\/\/[^/]+/.test(o.server)) {
    throw new UsageError(`--server: not a ws:// or wss:// URL: "${o.server}"`);
  }
  if (o.create === !!o.join) throw new UsageError('give exactly one of --create and --join UUID');
  if (o.session && !o.create) throw new UsageError('--session goes with --create');
  o.session = (o.join || o.session || crypto.randomUUID()).toLowerCase();
  if (!uuidRe.test(o.session)) throw new UsageError(`not a session UUID: "${o.session}"`);
  const nameLen = [...o.name].length;
  if (nameLen < 1 || nameLen > 64) throw new UsageError('--name: 1..64 characters');
  if (o.untilMet && o.expectPeers === null && !o.expectAudio && !o.expectChats && !o.expectInfo) {
    throw new UsageError('--until-met needs at least one --expect-* option');
  }
  if (o.expectPeers === null && (o.expectAudio || o.expectChats || o.expectInfo)) o.expectPeers = 1;
  if (!fs.existsSync(o.chromium)) throw new UsageError(`no browser at ${o.chromium} (--chromium)`);
  return o;
}

// ---- output ----------------------------------------------------------------------------

let outputClosed = false; // after the summary, nothing more goes to stdout

function out(obj) {
  if (outputClosed) return;
  try {
    process.stdout.write(JSON.stringify(obj) + '\n');
  } catch (e) {
    /* a closed stdout must not stop the cleanup */
  }
}
process.stdout.on('error', () => {});
const log = (...a) => process.stderr.write(`run-browser-peer: ${a.join(' ')}\n`);

// ---- the page's HTTP server ------------------------------------------------------------

function servePage() {
  const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
    const file = path.join(PAGE_DIR, name);
    if (req.method !== 'GET' || name.includes('/') || !types[path.extname(name)] ||
        !fs.existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(name)], 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

// ---- Chromium's processes (for cleanup and cpu_s / max_rss_kb) --------------------------

function procTable() {
  const rows = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
      rows.push({ pid: +d, ppid: +f[1], utime: +f[11], stime: +f[12], cutime: +f[13],
                  cstime: +f[14], cmd });
    } catch (e) {
      /* gone meanwhile */
    }
  }
  return rows;
}

// Every process of the Chromium we started: those naming our fresh user-data-dir and all
// their descendants.
function browserTree(userDataDir) {
  const rows = procTable();
  const tag = `--user-data-dir=${userDataDir}`;
  const inTree = new Set(rows.filter((r) => r.cmd.split('\0').includes(tag)).map((r) => r.pid));
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of rows) {
      if (!inTree.has(r.pid) && inTree.has(r.ppid)) {
        inTree.add(r.pid);
        grew = true;
      }
    }
  }
  return rows.filter((r) => inTree.has(r.pid));
}

function resourceUsage(userDataDir) {
  const tree = browserTree(userDataDir);
  const hz = 100; // USER_HZ on Linux
  let ticks = 0;
  let rss = 0;
  let pss = 0;
  for (const r of tree) {
    // cutime/cstime hold only children that have exited and been reaped: no double count.
    ticks += r.utime + r.stime + r.cutime + r.cstime;
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${r.pid}/status`, 'utf8'));
      if (m) rss += +m[1];
      const p = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${r.pid}/smaps_rollup`, 'utf8'));
      if (p) pss += +p[1];
    } catch (e) {
      /* gone */
    }
  }
  // max_rss_kb sums each process's peak RSS, which counts shared pages once per process:
  // an upper bound. pss_kb (proportional set size, now) is the realistic figure.
  return { cpu_s: Math.round((ticks / hz) * 100) / 100, max_rss_kb: rss, pss_kb: pss,
           processes: tree.length };
}

function killTree(userDataDir) {
  let n = 0;
  for (const r of browserTree(userDataDir)) {
    try {
      process.kill(r.pid, 'SIGKILL');
      n++;
    } catch (e) {
      /* gone */
    }
  }
  return n;
}

// A driver killed with SIGKILL cannot remove its profile (Chromium itself exits when its
// DevTools pipe closes): the next run removes profiles whose driver is gone.
function removeStaleProfiles() {
  for (const d of fs.readdirSync(os.tmpdir())) {
    const m = /^zero-chromium-(\d+)-/.exec(d);
    if (!m) continue;
    try {
      process.kill(+m[1], 0);
      continue; // its driver still runs
    } catch (e) {
      if (e.code === 'EPERM') continue;
    }
    fs.rmSync(path.join(os.tmpdir(), d), { recursive: true, force: true });
  }
}

// ---- expectations ----------------------------------------------------------------------

function qualifies(o, p) {
  if (!p.ever_connected) return false;
  const sendsVideo = !(p.remote_state && p.remote_state.video === false);
  const media = p.video_frames > 0 || (!sendsVideo && p.audio_frames > 0);
  if (!media) return false;
  if (o.expectAudio && !(p.audio_frames >= o.expectAudioFrames && p.audio_energy > 0)) return false;
  if (p.chats < o.expectChats) return false;
  if (o.expectInfo && !p.info) return false;
  return true;
}

function expectationsMet(o, report) {
  if (o.expectPeers === null) return true;
  const n = Object.values(report.peers).filter((p) => qualifies(o, p)).length;
  return n >= o.expectPeers;
}

function summaryPeers(report) {
  const peers = {};
  for (const [id, p] of Object.entries(report.peers)) {
    peers[id] = {
      connected: p.ever_connected,
      video_frames: p.video_frames,
      audio_frames: p.audio_frames,
      chats: p.chats,
      info: p.info,
      // Extensions (receivers ignore unknown fields).
      name: p.name, role: p.role, offerer: p.offerer, state: p.state, left: p.left,
      left_reason: p.left_reason, data_open: p.data_open, chats_sent: p.chats_sent,
      chat_texts: p.chat_texts, video_frames_rendered: p.video_frames_rendered,
      video_size: p.video_size, max_frame_gap_ms: p.max_frame_gap_ms,
      audio_energy: p.audio_energy, audio_packets: p.audio_packets,
      audio_concealed: p.audio_concealed, remote_state: p.remote_state,
      responses: p.responses,
      requests_answered: p.requests_answered, offers_sent: p.offers_sent,
      offers_received: p.offers_received, request_offers_sent: p.request_offers_sent,
      ice_received: p.ice_received, ice_mid_only: p.ice_mid_only,
      ice_mline_only: p.ice_mline_only, ice_queued: p.ice_queued,
      ice_restarts: p.ice_restarts, sdp_candidates_dropped: p.sdp_candidates_dropped,
      codecs: p.codecs, selected_pair: p.selected_pair,
      local_candidates: p.local_candidates, remote_candidates: p.remote_candidates,
      timings: p.timings, live: p.live,
    };
  }
  return peers;
}

async function shoot(page, file) {
  await page.screenshot({ path: file }).catch((e) => log(`screenshot: ${e.message}`));
}

// ---- commands on stdin -----------------------------------------------------------------

function readCommands(page, stop) {
  let buf = '';
  const run = async (line) => {
    const m = /^(\S+)\s*(.*)$/.exec(line.trim());
    if (!m) return;
    const [, cmd, arg] = m;
    try {
      if (cmd === 'chat' && arg) {
        const n = await page.evaluate((t) => window.sendChat(t), arg);
        log(`chat sent to ${n} peer(s)`);
      } else if (cmd === 'request-offer' && arg) {
        const ok = await page.evaluate((id) => window.zeroRequestOffer(id), arg);
        if (!ok) {
          out({ event: 'error', code: 'usage', message: `cannot request an offer from ${arg}` });
        }
      } else if (cmd === 'leave' || cmd === 'quit') {
        stop('stdin');
      } else {
        out({ event: 'error', code: 'usage', message: `unknown stdin command: ${line.trim()}` });
      }
    } catch (e) {
      out({ event: 'error', code: 'usage', message: `${cmd}: ${e.message}` });
    }
  };
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      run(line);
    }
  });
  process.stdin.on('error', () => {});
}

// ---- main ------------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    log(`${e.message} (--help for usage)`);
    out({ event: 'error', code: 'usage', message: e.message });
    out({ event: 'summary', peers: {}, cpu_s: null, max_rss_kb: null, exit_code: EXIT_USAGE });
    return EXIT_USAGE;
  }

  removeStaleProfiles();
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), `zero-chromium-${process.pid}-`));
  let context = null;
  let httpServer = null;
  let stopping = null; // the reason, once we should stop
  let hardExit = false;

  const finalCleanup = () => {
    const killed = killTree(userDataDir);
    if (killed) log(`killed ${killed} leftover Chromium process(es)`);
    try {
      fs.rmSync(userDataDir, { recursive: true, force: true });
    } catch (e) {
      /* best effort */
    }
  };
  process.on('exit', finalCleanup);
  const onSignal = (sig) => {
    if (stopping) {
      // Second signal: no more patience.
      hardExit = true;
      finalCleanup();
      process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
    }
    stopping = sig;
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGHUP', () => onSignal('SIGHUP'));

  let exitCode = EXIT_OK;
  let report = null;
  let usage = { cpu_s: null, max_rss_kb: null, pss_kb: null, processes: null };
  let exitReason = null;
  let metAt = null; // when the --expect-* conditions first held
  const t0 = Date.now();
  try {
    const q = new URLSearchParams({
      server: o.server, session: o.session, name: o.name, role: o.role,
      video: o.video === 'none' ? 'none' : 'test', audio: o.audio === 'none' ? 'none' : 'test',
      width: String(o.width), height: String(o.height), fps: String(o.fps), ice: o.ice,
      ice_fields: o.iceFields,
    });
    if (o.create) q.set('create', '1');
    if (o.password) q.set('password', o.password);
    if (o.token) q.set('token', o.token);
    if (o.codec) q.set('codec', o.codec);
    if (o.stats) q.set('stats', '1');
    if (o.requestOfferAfter) q.set('request_offer_ms', String(o.requestOfferAfter));
    for (const c of o.chats) q.append('chat', c);
    for (const r of o.requests) q.append('request', r);
    let url;
    if (o.page === 'http') {
      httpServer = await servePage();
      url = `http://127.0.0.1:${httpServer.address().port}/zero-peer.html?${q}`;
    } else {
      url = `${pathToFileURL(path.join(PAGE_DIR, 'zero-peer.html'))}?${q}`;
    }

    const launchAt = Date.now();
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: o.chromium,
      headless: true,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        // The fake camera runs at 20 fps unless told otherwise.
        `--use-fake-device-for-media-stream=fps=${o.fps}`, '--use-fake-ui-for-media-stream',
        '--allow-loopback-in-peer-connection',
        // Real host addresses, not mDNS .local names, which libnice cannot resolve (a page
        // without a camera grant would otherwise hide them).
        '--disable-features=WebRtcHideLocalIpsWithMdns',
        // Remote audio plays (and so is decoded) without a user gesture.
        '--autoplay-policy=no-user-gesture-required',
        // Keep timers and rendering at full rate in a page nobody looks at.
        '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
        '--disable-backgrounding-occluded-windows',
      ],
    });
    const version = context.browser() ? context.browser().version() : '';
    log(`Chromium ${version} up in ${Date.now() - launchAt} ms`);
    const page = context.pages()[0] || (await context.newPage());
    page.on('crash', () => {
      out({ event: 'error', code: 'browser', message: 'the page crashed' });
      exitReason = 'page crashed';
      stopping = stopping || 'crash';
    });
    page.on('pageerror', (e) => {
      out({ event: 'error', code: 'page-error', message: String(e && e.stack || e) });
    });
    if (o.verbose) page.on('console', (m) => log(`console.${m.type()}: ${m.text()}`));
    await page.exposeFunction('zeroEvent', (ev) => {
      if (ev && ev.event === 'stats' && !o.stats) return;
      out(ev);
    });
    await page.goto(url);
    await page.evaluate(() => window.zeroReady);

    // Joined or refused?
    const joinDeadline = Date.now() + o.joinTimeout * 1000;
    let self = null;
    for (;;) {
      ({ self } = await page.evaluate(() => window.zeroReport(false)));
      if (self.joined || self.join_error || stopping || Date.now() > joinDeadline) break;
      await sleep(50);
    }
    if (!self.joined) {
      const err = self.join_error ||
                  { code: 'unreachable', message: `no welcome within ${o.joinTimeout} s` };
      if (!self.join_error && !stopping) {
        out({ event: 'error', code: err.code, message: err.message });
      }
      exitReason = stopping && !self.join_error ? `stopped by ${stopping} before welcome`
                                                : `not joined: ${err.code}`;
      exitCode = err.code === 'usage' ? EXIT_USAGE : EXIT_SIGNALING;
    } else {
      if (o.stdin) {
        readCommands(page, (reason) => {
          stopping = stopping || reason;
        });
      }
      const deadline = o.seconds === null ? Infinity : t0 + o.seconds * 1000;
      while (!stopping) {
        const now = Date.now();
        if (now >= deadline) {
          exitReason = `--seconds ${o.seconds} elapsed`;
          break;
        }
        if (o.expectPeers !== null && metAt === null) {
          const r = await page.evaluate(() => window.zeroReport(false));
          if (expectationsMet(o, r)) {
            metAt = now;
            out({ event: 'expectations-met', ms_since_start: now - t0 });
            if (o.screenshot) await shoot(page, o.screenshot);
          }
        }
        if (o.untilMet) {
          if (metAt !== null && now - metAt >= o.linger * 1000) {
            exitReason = 'expectations met';
            break;
          }
        }
        await sleep(200);
      }
      if (stopping && !exitReason) exitReason = `stopped by ${stopping}`;
    }

    if (!hardExit && !page.isClosed()) {
      report = await page.evaluate(() => window.zeroReport(true));
      if (o.screenshot && metAt === null) await shoot(page, o.screenshot);
      usage = resourceUsage(userDataDir);
      await page.evaluate(() => window.zeroLeave());
      await sleep(100); // let the leave and the close frames go out
    }
  } catch (e) {
    out({ event: 'error', code: 'browser', message: String(e && e.message || e) });
    log(e && e.stack || e);
    exitReason = exitReason || 'harness failure';
    exitCode = EXIT_BROWSER;
  }

  if (exitCode === EXIT_OK && report) {
    if (!expectationsMet(o, report)) exitCode = EXIT_UNMET;
  } else if (exitCode === EXIT_OK && !report) {
    exitCode = EXIT_BROWSER;
  }
  out({
    event: 'summary',
    peers: report ? summaryPeers(report) : {},
    cpu_s: usage.cpu_s,
    max_rss_kb: usage.max_rss_kb,
    pss_kb: usage.pss_kb,
    browser_processes: usage.processes,
    session: o.session,
    peer_id: report ? report.self.peer_id : null,
    welcome_ms: report ? report.self.welcome_ms : null,
    errors: report ? report.errors.length : null,
    exit_reason: exitReason,
    exit_code: exitCode,
  });
  outputClosed = true;

  if (context) {
    await Promise.race([context.close().catch(() => {}), sleep(5000)]);
  }
  if (httpServer) httpServer.close();
  finalCleanup();
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    log(e && e.stack || e);
    out({ event: 'error', code: 'browser', message: String(e && e.message || e) });
    process.exit(EXIT_BROWSER);
  },
);
