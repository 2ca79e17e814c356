// synthguard live room demo: capture audio, stream f32le PCM over the WebSocket, draw events.
// Vanilla JS, no build. Query parameters prefill the form: room, participant, token, diarize=1,
// ws=<endpoint path>, autostart=mic (joins at once; used by the headless-browser test).
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  for (const k of ["room", "participant", "token"]) if (params.get(k)) $(k).value = params.get(k);
  if (params.get("diarize") === "1") $("diarize").checked = true;
  const endpoint = params.get("ws") || "/v1/streams";
  const MAX_BUFFERED = 1 << 20; // bytes queued in the socket before we drop audio (client-side back-pressure)

  let ws = null, ctx = null, nodes = [], stream = null;
  let threshold = 0.5, windows = [], alerts = [], duration = 0, dropped = 0, hop = 0.5;
  const colors = { real: "#2f6db5", fake: "#d43d2a", alert: "#f6c9c2" };

  function status(text, state = "ok") { $("status").textContent = text; $("status").dataset.state = state; }
  function log(obj) {
    const li = document.createElement("li");
    li.textContent = JSON.stringify(obj);
    $("log").prepend(li);
    while ($("log").children.length > 200) $("log").lastChild.remove();
  }

  function draw() {
    const c = $("timeline"), g = c.getContext("2d"), W = c.width, H = c.height, pad = 28;
    g.clearRect(0, 0, W, H);
    const span = Math.max(30, duration), t0 = Math.max(0, duration - span);
    const x = (t) => pad + ((t - t0) / span) * (W - pad - 6);
    const y = (s) => H - pad - s * (H - pad - 8);
    for (const a of alerts) {
      g.fillStyle = colors.alert;
      const end = a.cleared ?? duration;
      g.fillRect(x(a.start), 8, Math.max(2, x(end) - x(a.start)), H - pad - 8);
    }
    g.strokeStyle = "#999"; g.lineWidth = 1; g.beginPath(); g.moveTo(pad, y(0)); g.lineTo(W, y(0)); g.stroke();
    g.setLineDash([5, 4]); g.beginPath(); g.moveTo(pad, y(threshold)); g.lineTo(W, y(threshold)); g.stroke();
    g.setLineDash([]);
    g.fillStyle = "#555"; g.font = "11px sans-serif";
    g.fillText("1.0", 2, y(1) + 4); g.fillText("0", 10, y(0)); g.fillText(`${t0.toFixed(0)} s`, pad, H - 8);
    g.fillText(`${(t0 + span).toFixed(0)} s`, W - 40, H - 8);
    for (const w of windows) {
      if (w.end < t0) continue;
      g.fillStyle = w.score >= threshold ? colors.fake : colors.real;
      const xe = x(w.end), xs = Math.max(pad, xe - Math.max(3, x(w.end) - x(w.end - hop)));
      g.fillRect(xs, y(w.score) - 2, Math.max(2, xe - xs), 4);
    }
  }

  function onEvent(ev) {
    switch (ev.type) {
      case "started":
        threshold = ev.threshold; hop = ev.hop;
        status(`streaming · ${ev.detector} · threshold ${ev.threshold} · ${ev.sample_rate} Hz ${ev.format}`);
        log(ev); break;
      case "segment_scored":
        windows.push(ev); if (windows.length > 5000) windows.shift();
        duration = Math.max(duration, ev.end); break;
      case "alert":
        log(ev);
        if (ev.state === "raised") {
          alerts.push({ start: ev.start, at: ev.at, speaker: ev.speaker });
          const li = document.createElement("li");
          const confirmed = ev.confirmed_by
            ? `, confirmed by ${ev.confirmed_by} at ${ev.confirm_score.toFixed(2)}` : "";
          li.textContent = `${ev.at.toFixed(1)} s: synthetic voice (score ${ev.score.toFixed(2)}` +
            `${ev.speaker ? ", " + ev.speaker : ""}${confirmed}) since ${ev.start.toFixed(1)} s`;
          $("alerts").prepend(li);
          $("banner").hidden = false; document.body.dataset.alert = "raised";
        } else {
          const open = alerts.findLast((a) => a.cleared === undefined && a.speaker === ev.speaker);
          if (open) open.cleared = ev.at;
          if (alerts.every((a) => a.cleared !== undefined)) $("banner").hidden = true;
        }
        break;
      case "speaker_mismatch": {
        log(ev);
        const li = document.createElement("li");
        li.textContent = `${ev.at.toFixed(1)} s: voice does not match the enrolled voice (difference ${ev.score.toFixed(2)}, ${ev.method})`;
        $("alerts").prepend(li); break;
      }
      case "enrolled": log({ type: ev.type, seconds: ev.seconds, source: ev.source }); break;
      case "error": log(ev); status(`error: ${ev.code}: ${ev.message}`, ev.fatal ? "error" : "ok"); break;
      case "ended":
        $("summary").textContent = JSON.stringify({ ...ev, timelines: ev.timelines.map((t) => ({ ...t, windows: `${t.windows.length} windows` })) }, null, 2);
        status(`ended (${ev.reason}): ${ev.alerts} alert(s), max score ${ev.max_score}`);
        document.body.dataset.ended = "1"; break;
      default: log(ev);
    }
    draw();
  }

  function connect(sampleRate) {
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const q = new URLSearchParams({ room: $("room").value, participant: $("participant").value });
    if ($("token").value) q.set("token", $("token").value);
    const sock = new WebSocket(`${proto}://${location.host}${endpoint}?${q}`);
    sock.binaryType = "arraybuffer";
    sock.onopen = () => sock.send(JSON.stringify({ type: "start", sample_rate: sampleRate, format: "f32le",
                                                   channels: 1, diarize: $("diarize").checked }));
    sock.onmessage = (m) => onEvent(JSON.parse(m.data));
    sock.onclose = (e) => { if (e.code !== 1000) status(`closed: ${e.code} ${e.reason}`, "error"); teardown(); };
    sock.onerror = () => status("connection error", "error");
    return sock;
  }

  function pump(source) {
    // ScriptProcessorNode: simplest capture that runs everywhere; 4096 samples ~ 85 ms at 48 kHz.
    const proc = ctx.createScriptProcessor(4096, 1, 1);
    const mute = ctx.createGain(); mute.gain.value = 0;
    proc.onaudioprocess = (e) => {
      if (!ws || ws.readyState !== WebSocket.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED) { dropped++; return; }
      ws.send(new Float32Array(e.inputBuffer.getChannelData(0)).buffer);
    };
    source.connect(proc); proc.connect(mute); mute.connect(ctx.destination);
    nodes.push(source, proc, mute);
  }

  function begin() {
    windows = []; alerts = []; duration = 0; dropped = 0;
    $("alerts").replaceChildren(); $("log").replaceChildren(); $("banner").hidden = true;
    delete document.body.dataset.alert; delete document.body.dataset.ended;
    ctx = new AudioContext();
    ctx.resume().catch(() => {});
    ws = connect(ctx.sampleRate);
    $("stop").disabled = false; $("enroll").disabled = false; $("mic").disabled = true;
  }

  async function startMic() {
    try {
      begin();
      status("connecting…");
      stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
      pump(ctx.createMediaStreamSource(stream));
    } catch (err) { status(`microphone: ${err}`, "error"); stop(); }
  }

  async function startFile(file) {
    try {
      begin();
      const buf = await ctx.decodeAudioData(await file.arrayBuffer());
      const src = ctx.createBufferSource(); src.buffer = buf;
      src.connect(ctx.destination); // let the user hear it
      pump(src);
      src.onended = () => setTimeout(stop, 300);
      src.start();
    } catch (err) { status(`file: ${err}`, "error"); stop(); }
  }

  function teardown() {
    for (const n of nodes) try { n.disconnect(); } catch (_) { /* already gone */ }
    nodes = [];
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null;
    if (ctx) ctx.close().catch(() => {});
    ctx = null;
    $("stop").disabled = true; $("enroll").disabled = true; $("mic").disabled = false;
  }

  function stop() {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "stop" }));
    for (const n of nodes) try { n.disconnect(); } catch (_) { /* already gone */ }
  }

  $("mic").addEventListener("click", startMic);
  $("file").addEventListener("change", (e) => { if (e.target.files[0]) startFile(e.target.files[0]); });
  $("stop").addEventListener("click", stop);
  $("enroll").addEventListener("click", () => ws && ws.send(JSON.stringify({ type: "enroll", seconds: 5 })));
  window.synthguardLive = { stop, state: () => ({ windows: windows.length, alerts: alerts.length, dropped }) };
  draw();
  if (params.get("autostart") === "mic") startMic();
})();
