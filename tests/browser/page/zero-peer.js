// Zero's browser reference peer: speaks PROTOCOL.md (version 1) with Chromium's own WebRTC
// stack, so that Zero's C clients can be tested against a real browser. Plain JS, no bundler.
//
// Query parameters:
//   server    ws:// or wss:// URL of the signaling server (required)
//   session   session UUID (required)
//   create    1|true: create the session if absent
//   name      display name (default "browser")
//   role      participant (default) | viewer
//   password, token   passed on join when given
//   video, audio      test (default: the fake camera/microphone) | none
//   width, height, fps   capture constraints (default 640x480@30)
//   codec     vp8 | h264 | vp9: preferred video codec (default: the browser's order)
//   ice       all (default) | loopback | lan | lan4 | ipv4: which candidates we signal and
//             accept (all; 127.0.0.1/::1 only; all but loopback; non-loopback IPv4; IPv4 only)
//   ice_fields   both (default) | mid | mline: which of sdpMid / sdpMLineIndex our trickled
//             candidates carry (PROTOCOL.md lets receivers get either alone)
//   chat      text sent on every peer's data channel once it opens (repeatable)
//   request   "PATH" or "METHOD PATH": a request sent to every peer once its channel opens,
//             besides GET /info (repeatable); answers are in the report's `responses`
//   request_offer_ms   N: when we are the answerer, send request-offer N ms after the pair
//                      connects (exercises renegotiation)
//   stats     1: emit a `stats` event per peer about once a second
//
// For a driver: window.zeroReport() → Promise of a JSON-able report; window.sendChat(text)
// → number of peers it was sent to; window.zeroRequestOffer(peerId); window.zeroLeave().
// Events go to window.zeroEvent(obj) when the driver exposes it, and to window.zeroEvents.
// Their shapes are zero-cli --json's (../../shared/CLI.md): {event: "joined", ...}.
'use strict';

(() => {
  const APP = 'zero-browser-reference';
  const VERSION = '0.1.0';
  const MAX_ICE_RESTARTS = 3;

  const params = new URLSearchParams(location.search);
  const flag = (k) => ['1', 'true', 'yes'].includes((params.get(k) || '').toLowerCase());
  const intParam = (k, def) => {
    const v = parseInt(params.get(k) || '', 10);
    return Number.isFinite(v) && v > 0 ? v : def;
  };
  const cfg = {
    server: params.get('server') || '',
    session: (params.get('session') || '').toLowerCase(),
    create: flag('create'),
    name: params.get('name') || 'browser',
    role: params.get('role') || 'participant',
    password: params.get('password'),
    token: params.get('token'),
    video: params.get('video') !== 'none',
    audio: params.get('audio') !== 'none',
    width: intParam('width', 640),
    height: intParam('height', 480),
    fps: intParam('fps', 30),
    codec: (params.get('codec') || '').toLowerCase(),
    ice: params.get('ice') || 'all',
    iceFields: params.get('ice_fields') || 'both',
    chats: params.getAll('chat'),
    requests: params.getAll('request').map((r) => {
      const m = /^(?:(GET|POST)\s+)?(\S+)$/.exec(r.trim());
      return m ? { method: m[1] || 'GET', path: m[2] } : null;
    }).filter(Boolean),
    requestOfferMs: intParam('request_offer_ms', 0),
    stats: flag('stats'),
  };
  if (cfg.role === 'viewer') {
    cfg.video = false;
    cfg.audio = false;
  }

  const events = [];
  const errors = [];
  const peers = new Map();
  const self = {
    session: cfg.session,
    peer_id: null,
    name: cfg.name,
    role: cfg.role,
    signaling: 'connecting',
    joined: false,
    join_error: null,
    welcome_ms: null,
    ice_servers: [],
  };
  let ws = null;
  let joinAt = null;
  let localStream = null;
  let nextRequestId = 1;

  const now = () => performance.now();
  const sinceJoin = () => (joinAt === null ? 0 : Math.round(now() - joinAt));

  function emit(ev) {
    events.push(ev);
    try {
      if (typeof window.zeroEvent === 'function') window.zeroEvent(ev);
    } catch (e) {
      /* the driver went away; the events array still has it */
    }
  }

  function error(code, message, extra) {
    const ev = { event: 'error', code, message, ...extra };
    errors.push(ev);
    emit(ev);
  }

  function showStatus() {
    const el = document.getElementById('status');
    if (!el) return;
    const lines = [`${cfg.name} (${self.peer_id || '-'}) ${self.signaling}`];
    for (const p of peers.values()) {
      lines.push(`${p.id} ${p.name}: ${p.state} v=${p.video_frames} a=${p.audio_frames} ` +
                 `chats=${p.chats}`);
    }
    el.textContent = lines.join('\n');
  }

  // ---- signaling -------------------------------------------------------------------------

  function send(obj) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(obj));
    return true;
  }

  function connect() {
    if (!/^wss?:\/\//.test(cfg.server)) {
      self.signaling = 'failed';
      self.join_error = { code: 'usage',
                          message: `server must be a ws:// or wss:// URL, got "${cfg.server}"` };
      error('usage', self.join_error.message);
      return;
    }
    try {
      ws = new WebSocket(cfg.server);
    } catch (e) {
      self.signaling = 'failed';
      self.join_error = { code: 'unreachable', message: String(e) };
      error('unreachable', self.join_error.message);
      return;
    }
    ws.onopen = () => {
      self.signaling = 'open';
      const join = { type: 'join', session: cfg.session, name: cfg.name, role: cfg.role,
                     create: cfg.create };
      if (cfg.password) join.password = cfg.password;
      if (cfg.token) join.token = cfg.token;
      joinAt = now();
      send(join);
    };
    ws.onerror = () => {
      if (!self.joined && !self.join_error) {
        self.join_error = { code: 'unreachable', message: `cannot reach ${cfg.server}` };
      }
    };
    ws.onclose = (e) => {
      const was = self.signaling;
      self.signaling = self.joined || was === 'open' ? 'closed' : 'failed';
      if (!self.joined && !self.join_error) {
        self.join_error = { code: 'unreachable',
                            message: `signaling closed before welcome (code ${e.code})` };
      }
      if (!leaving) error('signaling-closed', `signaling connection closed (code ${e.code})`);
      showStatus();
    };
    ws.onmessage = (e) => {
      if (typeof e.data !== 'string') {
        error('bad-message', 'binary frame from the signaling server');
        return;
      }
      let m;
      try {
        m = JSON.parse(e.data);
      } catch (err) {
        error('bad-message', 'signaling frame is not JSON');
        return;
      }
      if (!m || typeof m !== 'object' || typeof m.type !== 'string') {
        error('bad-message', 'signaling message without a string type');
        return;
      }
      try {
        onSignal(m);
      } catch (err) {
        error('internal', `handling ${m.type}: ${err && err.stack || err}`);
      }
      showStatus();
    };
  }

  function onSignal(m) {
    switch (m.type) {
      case 'welcome': return onWelcome(m);
      case 'peer-joined': return onPeerJoined(m);
      case 'peer-left': return onPeerLeft(m);
      case 'offer': return withPeer(m, (p) => onOffer(p, m));
      case 'answer': return withPeer(m, (p) => onAnswer(p, m));
      case 'ice': return withPeer(m, (p) => onRemoteIce(p, m.candidate));
      case 'request-offer': return withPeer(m, (p) => onRequestOffer(p));
      case 'error':
        if (!self.joined && (m.ref === 'join' || m.ref === undefined)) {
          self.join_error = { code: m.code, message: m.message };
        }
        error(typeof m.code === 'string' ? m.code : 'server-error',
              typeof m.message === 'string' ? m.message : '', { ref: m.ref, from_server: true });
        return;
      case 'pong':
      case 'broadcast':
        return;
      default:
        // Extensions are allowed: ignore what we do not know.
        return;
    }
  }

  function onWelcome(m) {
    if (typeof m.peer_id !== 'string' || !Array.isArray(m.peers)) {
      error('bad-message', 'welcome without peer_id or peers');
      return;
    }
    self.peer_id = m.peer_id;
    self.joined = true;
    self.welcome_ms = sinceJoin();
    if (typeof m.session === 'string') self.session = m.session;
    self.ice_servers = Array.isArray(m.ice_servers) ? m.ice_servers.filter(validIceServer) : [];
    emit({ event: 'joined', session: self.session, peer_id: self.peer_id,
           peers: m.peers.map((p) => p && p.peer_id).filter((id) => typeof id === 'string') });
    // They were here first: each of them offers to us (PROTOCOL.md section 5).
    for (const info of m.peers) {
      if (!info || typeof info.peer_id !== 'string') continue;
      const p = ensurePeer(info.peer_id, false);
      p.name = typeof info.name === 'string' ? info.name : p.name;
      p.role = typeof info.role === 'string' ? info.role : p.role;
    }
  }

  function validIceServer(s) {
    return s && Array.isArray(s.urls) && s.urls.every((u) => typeof u === 'string');
  }

  function onPeerJoined(m) {
    if (typeof m.peer_id !== 'string') {
      error('bad-message', 'peer-joined without peer_id');
      return;
    }
    emit({ event: 'peer-joined', peer_id: m.peer_id, name: m.name });
    const old = peers.get(m.peer_id);
    if (old && !old.left) {
      error('protocol', `peer-joined for ${m.peer_id}, already in the session`);
      return;
    }
    // They joined after us: we own the offers for this pair.
    const p = ensurePeer(m.peer_id, true);
    p.name = typeof m.name === 'string' ? m.name : '';
    p.role = typeof m.role === 'string' ? m.role : 'participant';
    startOffer(p);
  }

  function onPeerLeft(m) {
    const p = peers.get(m.peer_id);
    emit({ event: 'peer-left', peer_id: m.peer_id, reason: m.reason });
    if (!p) return;
    p.left = true;
    p.left_reason = typeof m.reason === 'string' ? m.reason : null;
    closePeer(p);
  }

  function withPeer(m, fn) {
    if (typeof m.from !== 'string') {
      error('bad-message', `${m.type} without from`);
      return;
    }
    let p = peers.get(m.from);
    if (p && p.left) return; // late news from a peer that has left: nothing to do
    if (!p) {
      // An offer (or its early candidates) from someone we have not heard of yet: they
      // must have been here first, so they are the offerer.
      if (m.type !== 'offer' && m.type !== 'ice') {
        error('protocol', `${m.type} from unknown peer ${m.from}`);
        return;
      }
      p = ensurePeer(m.from, false);
    }
    fn(p);
  }

  // ---- peers -----------------------------------------------------------------------------

  function ensurePeer(id, offerer) {
    let p = peers.get(id);
    if (p && !p.left) return p;
    p = {
      id,
      name: '',
      role: 'participant',
      offerer,
      pc: null,
      dc: null,
      chain: Promise.resolve(),
      pendingIce: [],
      needOffer: false,
      state: 'new',
      raw_state: 'new',
      ice_state: 'new',
      connected: false,
      ever_connected: false,
      left: false,
      left_reason: null,
      data_open: false,
      video_frames: 0,
      video_frames_rendered: 0,
      video_size: null,
      max_frame_gap_ms: null,
      lastFrameAt: null,
      audio_frames: 0,
      audio_samples: 0,
      audio_concealed: 0,
      audio_energy: 0,
      audio_level: 0,
      audio_packets: 0,
      chats: 0,
      chat_texts: [],
      chats_sent: 0,
      info: null,
      remote_state: null,
      requests_answered: 0,
      offers_sent: 0,
      offers_received: 0,
      ice_restarts: 0,
      local_candidates: [],
      remote_candidates: [],
      selected_pair: null,
      codecs: [],
      live: { rtt_ms: null, send_kbps: null, recv_kbps: null, packets_lost: null,
              fps_in: null, codecs: [] },
      prevSample: null,
      pendingRequests: new Map(),
      responses: {},
      timings: { created: sinceJoin() },
      elements: null,
      sampler: null,
      requestOfferTimer: null,
    };
    peers.set(id, p);
    createPc(p);
    return p;
  }

  function mark(p, what) {
    if (p.timings[what] === undefined) p.timings[what] = sinceJoin();
  }

  function createPc(p) {
    let pc;
    try {
      pc = new RTCPeerConnection({ iceServers: self.ice_servers, bundlePolicy: 'max-bundle',
                                   rtcpMuxPolicy: 'require' });
    } catch (e) {
      error('ice-servers', `ice_servers refused (${e}); using none`);
      pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    }
    p.pc = pc;
    pc.onicecandidate = (e) => onLocalIce(p, e.candidate);
    pc.onconnectionstatechange = () => onConnectionState(p);
    pc.oniceconnectionstatechange = () => {
      p.ice_state = pc.iceConnectionState;
      if (pc.iceConnectionState === 'failed') restartIce(p);
    };
    pc.ontrack = (e) => onTrack(p, e);
    pc.ondatachannel = (e) => {
      if (e.channel.label !== 'zero') {
        error('protocol', `data channel "${e.channel.label}" from ${p.id} ignored`,
              { peer_id: p.id });
        return;
      }
      setupChannel(p, e.channel);
    };
    p.sampler = setInterval(() => sample(p), 250);
  }

  const STATE_MAP = { new: 'new', connecting: 'connecting', connected: 'connected',
                      disconnected: 'connecting', failed: 'failed', closed: 'closed' };

  function setState(p, raw) {
    p.raw_state = raw;
    const state = STATE_MAP[raw] || raw;
    p.connected = state === 'connected';
    if (p.connected && !p.ever_connected) {
      p.ever_connected = true;
      mark(p, 'connected');
      scheduleRequestOffer(p);
    }
    if (state === p.state) return;
    p.state = state;
    const ev = { event: 'peer-state', peer_id: p.id, state };
    if (raw !== state) ev.raw_state = raw;
    emit(ev);
  }

  function onConnectionState(p) {
    if (p.left) return;
    setState(p, p.pc.connectionState);
    showStatus();
  }

  // Serialise negotiation steps per peer: the next one starts when the last has finished.
  function enqueue(p, what, fn) {
    p.chain = p.chain.then(fn).catch((e) => {
      error('negotiation', `${what} with ${p.id}: ${e && e.message || e}`, { peer_id: p.id });
    });
    return p.chain;
  }

  function wantMedia(p) {
    // A pair of viewers carries only the data channel (PROTOCOL.md section 5).
    return !(cfg.role === 'viewer' && p.role === 'viewer');
  }

  function localTrack(kind) {
    if (!localStream) return null;
    const t = kind === 'audio' ? localStream.getAudioTracks() : localStream.getVideoTracks();
    return t.length ? t[0] : null;
  }

  // The offerer offers only the chosen codec (so that it is the one used); the answerer puts
  // it first but keeps the others, so that an offer without it still gets video.
  function preferCodec(transceiver, only) {
    if (!cfg.codec || transceiver.receiver.track.kind !== 'video') return;
    if (typeof transceiver.setCodecPreferences !== 'function') return;
    const caps = RTCRtpReceiver.getCapabilities('video');
    if (!caps) return;
    const want = `video/${cfg.codec}`;
    const main = caps.codecs.filter((c) => c.mimeType.toLowerCase() === want);
    if (!main.length) {
      error('codec', `this browser cannot receive ${cfg.codec}; keeping its default order`);
      return;
    }
    const helper = (c) => /\/(rtx|red|ulpfec|flexfec-03)$/i.test(c.mimeType);
    const rest = caps.codecs.filter((c) => !main.includes(c) && (only ? helper(c) : true));
    transceiver.setCodecPreferences([...main, ...rest]);
  }


  function startOffer(p) {
    enqueue(p, 'first offer', async () => {
      // The data channel comes first so that it is part of the first negotiation.
      setupChannel(p, p.pc.createDataChannel('zero', { ordered: true }));
      if (wantMedia(p)) {
        for (const kind of ['audio', 'video']) {
          const track = localTrack(kind);
          const init = { direction: track ? 'sendrecv' : 'recvonly' };
          if (track) init.streams = [localStream];
          const t = p.pc.addTransceiver(track || kind, init);
          preferCodec(t, true);
        }
      }
      await sendOffer(p, false);
    });
  }

  async function sendOffer(p, iceRestart) {
    if (p.left) return;
    if (p.pc.signalingState !== 'stable') {
      // An offer is out: re-offer once its answer is in.
      p.needOffer = true;
      return;
    }
    p.needOffer = false;
    const offer = await p.pc.createOffer(iceRestart ? { iceRestart: true } : {});
    await p.pc.setLocalDescription(offer);
    p.offers_sent++;
    mark(p, 'offer');
    send({ type: 'offer', to: p.id, sdp: filterSdp(p, p.pc.localDescription.sdp) });
  }

  function onOffer(p, m) {
    if (typeof m.sdp !== 'string') {
      error('bad-message', `offer from ${p.id} without sdp`, { peer_id: p.id });
      return;
    }
    if (p.offerer) {
      // We own the offers for this pair; an offer from them is glare (PROTOCOL.md 5).
      error('protocol', `offer from ${p.id}, but we are this pair's offerer`, { peer_id: p.id });
      return;
    }
    enqueue(p, 'answer', async () => {
      await p.pc.setRemoteDescription({ type: 'offer', sdp: filterSdp(p, m.sdp) });
      p.offers_received++;
      mark(p, 'offer');
      await flushIce(p);
      await attachLocalMedia(p);
      await p.pc.setLocalDescription();
      mark(p, 'answer');
      send({ type: 'answer', to: p.id, sdp: filterSdp(p, p.pc.localDescription.sdp) });
    });
  }

  // The answerer sends what it has on the offerer's audio and video transceivers.
  async function attachLocalMedia(p) {
    const used = { audio: false, video: false };
    for (const t of p.pc.getTransceivers()) {
      if (t.stopped || t.currentDirection === 'stopped' || t.mid === null) continue;
      const kind = t.receiver.track.kind;
      if (t.sender.track) {
        used[kind] = true;
        continue;
      }
      const track = !used[kind] && wantMedia(p) ? localTrack(kind) : null;
      if (track) {
        used[kind] = true;
        preferCodec(t, false);
        await t.sender.replaceTrack(track);
        if (t.sender.setStreams) t.sender.setStreams(localStream);
        t.direction = 'sendrecv';
      } else {
        preferCodec(t, false);
        t.direction = 'recvonly';
      }
    }
  }

  function onAnswer(p, m) {
    if (typeof m.sdp !== 'string') {
      error('bad-message', `answer from ${p.id} without sdp`, { peer_id: p.id });
      return;
    }
    if (!p.offerer) {
      error('protocol', `answer from ${p.id}, but we are not this pair's offerer`,
            { peer_id: p.id });
      return;
    }
    enqueue(p, 'answer', async () => {
      if (p.pc.signalingState !== 'have-local-offer') {
        error('protocol', `answer from ${p.id} with no offer out`, { peer_id: p.id });
        return;
      }
      await p.pc.setRemoteDescription({ type: 'answer', sdp: filterSdp(p, m.sdp) });
      mark(p, 'answer');
      await flushIce(p);
      if (p.needOffer) await sendOffer(p, false);
    });
  }

  function onRequestOffer(p) {
    if (!p.offerer) {
      error('protocol', `request-offer from ${p.id}, but they own this pair's offers`,
            { peer_id: p.id });
      return;
    }
    // An answerer whose ICE failed asks for an offer to restart it (see restartIce).
    const restart = ['failed', 'disconnected'].includes(p.pc.iceConnectionState);
    enqueue(p, 're-offer', () => sendOffer(p, restart));
  }

  function scheduleRequestOffer(p) {
    if (!cfg.requestOfferMs || p.offerer || p.requestOfferTimer) return;
    p.requestOfferTimer = setTimeout(() => window.zeroRequestOffer(p.id), cfg.requestOfferMs);
  }

  function restartIce(p) {
    if (p.left || p.ice_restarts >= MAX_ICE_RESTARTS) return;
    p.ice_restarts++;
    if (p.offerer) {
      enqueue(p, 'ice restart', () => sendOffer(p, true));
    } else {
      send({ type: 'request-offer', to: p.id });
    }
  }

  function closePeer(p) {
    clearInterval(p.sampler);
    clearTimeout(p.requestOfferTimer);
    if (p.dc) p.dc.close();
    if (p.pc && p.pc.signalingState !== 'closed') p.pc.close();
    setState(p, 'closed');
    p.connected = false;
    if (p.elements) {
      p.elements.tile.remove();
      p.elements = null;
    }
    showStatus();
  }

  // ---- ICE -------------------------------------------------------------------------------

  function candidateAddress(c) {
    // "candidate:F C udp PRIO ADDRESS PORT typ TYPE ..."
    const f = c.split(/\s+/);
    return f.length >= 8 ? { protocol: f[2].toLowerCase(), address: f[4], port: +f[5],
                             type: f[7] } : null;
  }

  function isLoopback(address) {
    return /^127\./.test(address) || address === '::1';
  }

  // The `ice` parameter limits both the candidates we signal and those we accept, so
  // that a pair can only form between the addresses it names.
  function iceAllowed(address) {
    const v4 = /^\d+\.\d+\.\d+\.\d+$/.test(address);
    switch (cfg.ice) {
      case 'loopback': return isLoopback(address);
      case 'lan': return !isLoopback(address);
      case 'lan4': return v4 && !isLoopback(address);
      case 'ipv4': return v4;
      default: return true;
    }
  }

  // Candidates also travel inside the SDP (a re-offer carries every gathered one): the
  // same filter applies there, both ways.
  function filterSdp(p, sdp) {
    if (cfg.ice === 'all') return sdp;
    return sdp.split(/\r\n/).filter((line) => {
      if (!line.startsWith('a=candidate:')) return true;
      const a = candidateAddress(line.slice(2));
      if (!a || iceAllowed(a.address)) return true;
      p.sdp_candidates_dropped = (p.sdp_candidates_dropped || 0) + 1;
      return false;
    }).join('\r\n');
  }

  function onLocalIce(p, c) {
    if (!c) {
      // End of candidates: signalled once, with a real mid (never "").
      const mid = firstMid(p);
      const eoc = { candidate: '', sdpMLineIndex: 0 };
      if (mid) eoc.sdpMid = mid;
      send({ type: 'ice', to: p.id, candidate: eoc });
      return;
    }
    if (!c.candidate) return; // Chromium's own end-of-candidates marker; handled above.
    const a = candidateAddress(c.candidate);
    if (a) {
      const keep = iceAllowed(a.address);
      p.local_candidates.push(`${a.protocol} ${a.address}:${a.port} ${a.type}` +
                              (keep ? '' : ' (not sent)'));
      if (!keep) return;
    }
    const out = { candidate: c.candidate };
    if (Number.isInteger(c.sdpMLineIndex) && cfg.iceFields !== 'mid') {
      out.sdpMLineIndex = c.sdpMLineIndex;
    }
    if (c.sdpMid && cfg.iceFields !== 'mline') out.sdpMid = c.sdpMid;
    if (out.sdpMid === undefined && out.sdpMLineIndex === undefined) {
      // Asked for one field that Chromium did not give: send what there is.
      if (Number.isInteger(c.sdpMLineIndex)) out.sdpMLineIndex = c.sdpMLineIndex;
      if (c.sdpMid) out.sdpMid = c.sdpMid;
    }
    send({ type: 'ice', to: p.id, candidate: out });
  }

  function firstMid(p) {
    const t = p.pc.getTransceivers().find((x) => x.mid);
    if (t) return t.mid;
    const sdp = p.pc.localDescription ? p.pc.localDescription.sdp : '';
    const m = /^a=mid:(\S+)/m.exec(sdp);
    return m ? m[1] : null;
  }

  function onRemoteIce(p, c) {
    if (!c || typeof c !== 'object' || typeof c.candidate !== 'string') {
      error('bad-message', `ice from ${p.id} without a candidate string`, { peer_id: p.id });
      return;
    }
    const init = { candidate: c.candidate };
    // Use sdpMid when present, else sdpMLineIndex (PROTOCOL.md section 3).
    if (typeof c.sdpMid === 'string' && c.sdpMid !== '') init.sdpMid = c.sdpMid;
    else if (Number.isInteger(c.sdpMLineIndex) && c.sdpMLineIndex >= 0) {
      init.sdpMLineIndex = c.sdpMLineIndex;
    }
    if (c.sdpMid === '') {
      error('protocol', `ice from ${p.id} with sdpMid "" (must be absent or a real mid)`,
            { peer_id: p.id });
    }
    if (init.sdpMid === undefined && init.sdpMLineIndex === undefined) {
      if (c.candidate === '') return; // end of candidates without a line: nothing to do
      error('bad-message', `ice from ${p.id} with neither sdpMid nor sdpMLineIndex`,
            { peer_id: p.id });
      return;
    }
    if (c.candidate !== '') {
      const a = candidateAddress(c.candidate);
      if (a) {
        const keep = iceAllowed(a.address);
        p.remote_candidates.push(`${a.protocol} ${a.address}:${a.port} ${a.type}` +
                                 (keep ? '' : ' (ignored)'));
        if (!keep) return;
      }
    }
    p.ice_received = (p.ice_received || 0) + 1;
    const hasMid = typeof c.sdpMid === 'string';
    const hasLine = Number.isInteger(c.sdpMLineIndex);
    if (hasMid !== hasLine) {
      const k = hasMid ? 'ice_mid_only' : 'ice_mline_only';
      p[k] = (p[k] || 0) + 1;
    }
    if (!p.pc.remoteDescription) {
      p.pendingIce.push(init); // early: before the offer or answer it belongs to
      p.ice_queued = (p.ice_queued || 0) + 1;
      return;
    }
    addIce(p, init);
  }

  function addIce(p, init) {
    return p.pc.addIceCandidate(init).catch((e) => {
      if (init.candidate === '') return; // end of candidates is optional for receivers
      error('ice', `candidate from ${p.id} refused: ${e.message} (${init.candidate})`,
            { peer_id: p.id });
    });
  }

  async function flushIce(p) {
    const q = p.pendingIce;
    p.pendingIce = [];
    for (const init of q) await addIce(p, init);
  }

  // ---- media -----------------------------------------------------------------------------

  function ensureElements(p) {
    if (p.elements) return p.elements;
    const tile = document.createElement('div');
    tile.className = 'tile';
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    video.muted = true;
    const audio = document.createElement('audio');
    audio.autoplay = true;
    const label = document.createElement('span');
    label.textContent = `${p.name || p.id}`;
    tile.append(video, audio, label);
    document.getElementById('tiles').append(tile);
    p.elements = { tile, video, audio };
    return p.elements;
  }

  function onTrack(p, e) {
    const els = ensureElements(p);
    const track = e.track;
    if (track.kind === 'video') {
      if (els.video.srcObject) return; // a second video (screen share) is counted by stats
      els.video.srcObject = new MediaStream([track]);
      const onFrame = (t, meta) => {
        if (p.left) return;
        const at = now();
        if (p.lastFrameAt !== null) {
          const gap = Math.round(at - p.lastFrameAt);
          if (p.max_frame_gap_ms === null || gap > p.max_frame_gap_ms) p.max_frame_gap_ms = gap;
        }
        p.lastFrameAt = at;
        p.video_frames_rendered++;
        p.video_size = `${meta.width}x${meta.height}`;
        firstFrame(p, 'video', 'render');
        els.video.requestVideoFrameCallback(onFrame);
      };
      els.video.requestVideoFrameCallback(onFrame);
      els.video.play().catch(() => {});
    } else if (track.kind === 'audio') {
      // Chromium pulls remote audio (and so decodes it) only for a playing media element.
      if (els.audio.srcObject) return;
      els.audio.srcObject = new MediaStream([track]);
      els.audio.play().catch((err) => error('autoplay', `remote audio: ${err.message}`));
    }
  }

  function firstFrame(p, kind, via) {
    const key = kind === 'video' ? 'first_video' : 'first_audio';
    if (p.timings[key] !== undefined) return;
    mark(p, key);
    emit({ event: 'first-frame', peer_id: p.id, kind, ms_since_join: p.timings[key], via });
  }

  async function sample(p) {
    if (p.left || !p.pc || p.sampling) return;
    // Fast polling until both first frames are seen, then about once a second.
    const settled = p.timings.first_video !== undefined && p.timings.first_audio !== undefined;
    p.tick = (p.tick || 0) + 1;
    if (settled && p.tick % 4 !== 0 && !p.forceSample) return;
    p.sampling = true;
    try {
      await collectStats(p);
    } catch (e) {
      /* the connection closed meanwhile */
    } finally {
      p.sampling = false;
    }
  }

  async function collectStats(p) {
    const report = await p.pc.getStats();
    const at = now();
    let inBytes = 0, outBytes = 0, lost = 0;
    let vFrames = 0, vFps = null;
    let aSamples = 0, aConcealed = 0, aEnergy = 0, aLevel = 0, aPackets = 0, aRate = 48000;
    const codecIds = new Set();
    let pairId = null;
    report.forEach((s) => {
      if (s.type === 'inbound-rtp') {
        inBytes += s.bytesReceived || 0;
        lost += s.packetsLost || 0;
        if (s.codecId) codecIds.add(s.codecId);
        if (s.kind === 'video') {
          vFrames += s.framesDecoded || 0;
          if (typeof s.framesPerSecond === 'number') vFps = (vFps || 0) + s.framesPerSecond;
        } else if (s.kind === 'audio') {
          aSamples += s.totalSamplesReceived || 0;
          aConcealed += s.concealedSamples || 0;
          aEnergy += s.totalAudioEnergy || 0;
          aLevel = Math.max(aLevel, s.audioLevel || 0);
          aPackets += s.packetsReceived || 0;
          const codec = s.codecId && report.get(s.codecId);
          if (codec && codec.clockRate) aRate = codec.clockRate;
        }
      } else if (s.type === 'outbound-rtp') {
        outBytes += s.bytesSent || 0;
        if (s.codecId) codecIds.add(s.codecId);
      } else if (s.type === 'transport' && s.selectedCandidatePairId) {
        pairId = s.selectedCandidatePairId;
      }
    });
    p.video_frames = Math.max(p.video_frames, vFrames);
    p.audio_samples = aSamples;
    p.audio_concealed = aConcealed;
    p.audio_energy = aEnergy;
    p.audio_level = aLevel;
    p.audio_packets = aPackets;
    // Audio "frames": 10 ms of really decoded (not concealed) audio.
    p.audio_frames = Math.max(0, Math.floor((aSamples - aConcealed) * 100 / aRate));
    if (vFrames > 0) firstFrame(p, 'video', 'stats');
    if (aPackets > 0 && aSamples - aConcealed > 0) firstFrame(p, 'audio', 'stats');

    const codecs = [];
    for (const id of codecIds) {
      const c = report.get(id);
      if (c && c.mimeType && !codecs.includes(c.mimeType)) codecs.push(c.mimeType);
    }
    p.codecs = codecs;
    let rtt = null;
    const pair = pairId && report.get(pairId);
    if (pair) {
      if (typeof pair.currentRoundTripTime === 'number') {
        rtt = Math.round(pair.currentRoundTripTime * 1000);
      }
      const l = report.get(pair.localCandidateId);
      const r = report.get(pair.remoteCandidateId);
      if (l && r) {
        p.selected_pair = {
          local: `${l.protocol} ${l.address}:${l.port} ${l.candidateType}`,
          remote: `${r.protocol} ${r.address}:${r.port} ${r.candidateType}`,
        };
      }
    }
    const prev = p.prevSample;
    const dt = prev ? (at - prev.at) / 1000 : 0;
    const live = { rtt_ms: rtt, send_kbps: null, recv_kbps: null, packets_lost: lost,
                   fps_in: vFps === null ? null : Math.round(vFps * 10) / 10, codecs };
    if (prev && dt >= 0.5) {
      live.send_kbps = Math.round((outBytes - prev.outBytes) * 8 / dt / 1000);
      live.recv_kbps = Math.round((inBytes - prev.inBytes) * 8 / dt / 1000);
    } else if (prev) {
      live.send_kbps = p.live.send_kbps;
      live.recv_kbps = p.live.recv_kbps;
    }
    if (!prev || dt >= 0.5) p.prevSample = { at, inBytes, outBytes };
    p.live = live;
    if (cfg.stats && (!p.lastStatsEmit || at - p.lastStatsEmit >= 950)) {
      p.lastStatsEmit = at;
      emit({ event: 'stats', peer_id: p.id, rtt_ms: live.rtt_ms, fps_in: live.fps_in,
             kbps_in: live.recv_kbps, kbps_out: live.send_kbps, loss: live.packets_lost });
    }
    showStatus();
  }

  // ---- data channel (PROTOCOL.md section 7) ----------------------------------------------

  function dcSend(p, obj) {
    if (!p.dc || p.dc.readyState !== 'open') return false;
    p.dc.send(JSON.stringify(obj));
    return true;
  }

  function localState() {
    return { type: 'state', audio: !!localTrack('audio'), video: !!localTrack('video'),
             screen: false };
  }

  function setupChannel(p, dc) {
    p.dc = dc;
    dc.onopen = () => {
      p.data_open = true;
      mark(p, 'data_open');
      emit({ event: 'data-open', peer_id: p.id });
      dcSend(p, localState());
      for (const r of [{ method: 'GET', path: '/info' }, ...cfg.requests]) {
        const id = nextRequestId++;
        p.pendingRequests.set(id, r);
        dcSend(p, { type: 'request', id, method: r.method, path: r.path });
      }
      for (const text of cfg.chats) sendChatTo(p, text);
    };
    dc.onclose = () => {
      p.data_open = false;
    };
    dc.onmessage = (e) => {
      if (typeof e.data !== 'string') {
        error('protocol', `binary data-channel message from ${p.id}`, { peer_id: p.id });
        return;
      }
      let m;
      try {
        m = JSON.parse(e.data);
      } catch (err) {
        error('protocol', `data-channel message from ${p.id} is not JSON`, { peer_id: p.id });
        return;
      }
      if (!m || typeof m !== 'object' || typeof m.type !== 'string') {
        error('protocol', `data-channel message from ${p.id} without a type`, { peer_id: p.id });
        return;
      }
      onChannelMessage(p, m).catch((err) => error('internal', String(err)));
    };
  }

  async function onChannelMessage(p, m) {
    switch (m.type) {
      case 'chat': {
        const len = typeof m.text === 'string' ? [...m.text].length : 0;
        if (typeof m.id !== 'string' || len < 1 || len > 4096 || typeof m.ts !== 'number') {
          error('protocol', `bad chat from ${p.id}`, { peer_id: p.id });
          return;
        }
        p.chats++;
        p.chat_texts.push(m.text);
        emit({ event: 'chat', from: p.id, text: m.text, id: m.id, ts: m.ts });
        return;
      }
      case 'state':
        p.remote_state = { audio: !!m.audio, video: !!m.video, screen: !!m.screen };
        if (m.hand !== undefined) p.remote_state.hand = !!m.hand;
        return;
      case 'request':
        dcSend(p, await answerRequest(p, m));
        p.requests_answered++;
        return;
      case 'response': {
        const req = p.pendingRequests.get(m.id);
        if (req === undefined) {
          error('protocol', `response from ${p.id} to unknown request ${m.id}`, { peer_id: p.id });
          return;
        }
        p.pendingRequests.delete(m.id);
        const key = req.method === 'GET' ? req.path : `${req.method} ${req.path}`;
        p.responses[key] = { status: m.status, body: m.body === undefined ? null : m.body };
        if (typeof m.status !== 'number') {
          error('protocol', `response from ${p.id} without a numeric status`, { peer_id: p.id });
        }
        if (req.path === '/info' && req.method === 'GET') {
          if (m.status === 200 && m.body && typeof m.body === 'object') {
            p.info = m.body;
          } else {
            error('protocol', `GET /info to ${p.id} answered ${m.status}`, { peer_id: p.id });
          }
        }
        return;
      }
      default:
        return; // unknown types are extensions
    }
  }

  async function answerRequest(p, m) {
    const reply = (status, body) => ({ type: 'response', id: m.id, status, body });
    if (!Number.isInteger(m.id)) return reply(400, { error: 'id must be an integer' });
    if (typeof m.path !== 'string') return reply(400, { error: 'path must be a string' });
    if (m.method !== 'GET' && m.method !== 'POST') {
      return reply(400, { error: 'method must be GET or POST' });
    }
    const known = ['/info', '/health', '/stats'];
    if (!known.includes(m.path)) return reply(404, { error: `no such path: ${m.path}` });
    if (m.method !== 'GET') return reply(405, { error: `${m.path} only answers GET` });
    switch (m.path) {
      case '/info': {
        const capabilities = ['chat', 'state', 'request'];
        if (localTrack('audio')) capabilities.push('audio');
        if (localTrack('video')) capabilities.push('video');
        return reply(200, { name: cfg.name, app: APP, version: VERSION, capabilities,
                            protocol: 1, user_agent: navigator.userAgent });
      }
      case '/health':
        return reply(200, { status: 'ok' });
      default: {
        p.forceSample = true;
        try {
          await collectStats(p);
        } catch (e) {
          /* keep the last sample */
        }
        p.forceSample = false;
        return reply(200, { ...p.live });
      }
    }
  }

  function sendChatTo(p, text) {
    if (dcSend(p, { type: 'chat', id: crypto.randomUUID(), text, ts: Date.now() })) {
      p.chats_sent++;
      return true;
    }
    return false;
  }

  // ---- driver API ------------------------------------------------------------------------

  let leaving = false;

  window.sendChat = (text) => {
    const len = typeof text === 'string' ? [...text].length : 0;
    if (len < 1 || len > 4096) throw new Error('chat text must be 1..4096 characters');
    let n = 0;
    for (const p of peers.values()) if (!p.left && sendChatTo(p, text)) n++;
    return n;
  };

  window.zeroRequestOffer = (peerId) => {
    const p = peers.get(peerId);
    if (!p || p.left || p.offerer) return false;
    p.request_offers_sent = (p.request_offers_sent || 0) + 1;
    return send({ type: 'request-offer', to: peerId });
  };

  window.zeroLeave = () => {
    leaving = true;
    send({ type: 'leave' });
    for (const p of peers.values()) {
      if (!p.left) {
        p.left = true;
        p.left_reason = 'self';
        closePeer(p);
      }
    }
    if (ws) ws.close(1000, 'bye');
  };

  const PUBLIC_PEER_FIELDS = [
    'name', 'role', 'offerer', 'state', 'raw_state', 'ice_state', 'connected',
    'ever_connected', 'left', 'left_reason', 'data_open', 'video_frames', 'video_frames_rendered',
    'video_size', 'max_frame_gap_ms', 'audio_frames', 'audio_samples', 'audio_concealed',
    'audio_energy', 'audio_level', 'audio_packets', 'chats', 'chat_texts', 'chats_sent', 'info',
    'remote_state', 'responses', 'requests_answered', 'offers_sent', 'offers_received',
    'request_offers_sent', 'ice_received', 'ice_mid_only', 'ice_mline_only', 'ice_queued', 'ice_restarts', 'sdp_candidates_dropped', 'local_candidates',
    'remote_candidates', 'selected_pair', 'codecs', 'live',
    'timings',
  ];

  window.zeroReport = async (fresh) => {
    if (fresh) {
      await Promise.all([...peers.values()].filter((p) => !p.left)
        .map((p) => collectStats(p).catch(() => {})));
    }
    const out = { self: { ...self }, media: { audio: !!localTrack('audio'),
                                              video: !!localTrack('video') },
                  peers: {}, errors: errors.slice() };
    for (const p of peers.values()) {
      const o = {};
      for (const k of PUBLIC_PEER_FIELDS) o[k] = p[k] === undefined ? null : p[k];
      out.peers[p.id] = JSON.parse(JSON.stringify(o));
    }
    return out;
  };
  window.zeroEvents = events;

  // ---- start -----------------------------------------------------------------------------

  async function start() {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(cfg.session)) {
      self.join_error = { code: 'usage', message: `session must be a UUID, got "${cfg.session}"` };
      error('usage', self.join_error.message);
      self.signaling = 'failed';
      return;
    }
    if (cfg.video || cfg.audio) {
      try {
        localStream = await navigator.mediaDevices.getUserMedia({
          audio: cfg.audio,
          video: cfg.video ? { width: { ideal: cfg.width }, height: { ideal: cfg.height },
                               frameRate: { ideal: cfg.fps } } : false,
        });
      } catch (e) {
        error('media', `getUserMedia failed: ${e.name}: ${e.message}; sending no media`);
      }
    }
    connect();
    showStatus();
  }

  window.zeroReady = start();
})();
