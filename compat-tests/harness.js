'use strict';

//
// Compatibility harness: a scenario is an async function that drives the
// module under test and records what a user observes (events in order with
// their arguments, thrown errors, close codes, readyState, bufferedAmount,
// what the peer received). `compare(name, fn)` runs the scenario once with
// the reference `ws` and once with `uws` and requires both records to be
// deep-equal.
//
// Records are deterministic: scenarios sequence themselves explicitly (await
// an event, then act), entries are grouped per channel (the order *within* a
// channel is kept, the interleaving *between* channels is not compared), and
// ephemeral ports are replaced by placeholders.
//

const assert = require('assert/strict');
const http = require('http');
const net = require('net');
const util = require('util');

const wsModule = require('ws');
const uwsModule = require('..');
const { FrameParser, frame, closePayload, OPCODES } = require('../test/helpers/frames');
const { acceptFor, makeKey, parseHead, upgradeRequest } = require('../test/helpers/http-raw');

//
// Known deliberate difference: uws does not implement permessage-deflate, so
// a uws client never offers it. The ws client offers it by default (which
// changes the request headers a peer sees), so the reference client gets
// `perMessageDeflate: false` unless the scenario sets it.
//
class WsClientNoDeflate extends wsModule.WebSocket {
  constructor(address, protocols, options) {
    if (
      protocols &&
      typeof protocols === 'object' &&
      !Array.isArray(protocols)
    ) {
      options = protocols;
      protocols = undefined;
    }
    super(address, protocols, { perMessageDeflate: false, ...options });
  }
}

const WS = {
  name: 'ws',
  WebSocket: WsClientNoDeflate,
  WebSocketBase: wsModule.WebSocket,
  WebSocketServer: wsModule.WebSocketServer,
  createWebSocketStream: wsModule.createWebSocketStream,
  CONNECTING: 0,
  OPEN: 1,
  CLOSING: 2,
  CLOSED: 3
};

const UWS = {
  name: 'uws',
  WebSocket: uwsModule.WebSocket,
  WebSocketBase: uwsModule.WebSocket,
  WebSocketServer: uwsModule.WebSocketServer,
  createWebSocketStream: uwsModule.createWebSocketStream,
  CONNECTING: 0,
  OPEN: 1,
  CLOSING: 2,
  CLOSED: 3
};

const WS_EVENTS = ['open', 'upgrade', 'redirect', 'message', 'ping', 'pong', 'error', 'close'];

const RUN_TIMEOUT = 4000;

// ---------------------------------------------------------------------------
// Value normalisation
// ---------------------------------------------------------------------------

function printable(buf) {
  const s = buf.toString('utf8');
  if (!Buffer.from(s, 'utf8').equals(buf)) return null;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000e-\u001f\u007f\ufffd]/.test(s)) return null;
  return s;
}

function bytes(tag, buf) {
  if (buf.length > 96) {
    const sum = require('crypto').createHash('sha1').update(buf).digest('hex');
    return `${tag}(${buf.length}) sha1 ${sum.slice(0, 16)}`;
  }
  const s = printable(buf);
  return s === null
    ? `${tag}(${buf.length}) hex ${buf.toString('hex')}`
    : `${tag}(${buf.length}) utf8 ${JSON.stringify(s)}`;
}

/**
 * Turns a value into plain, comparable data: Buffers and friends become
 * tagged strings, errors become `{ error, code, message }`.
 */
function norm(v, depth = 0) {
  if (v === undefined) return 'undefined';
  if (v === null || typeof v === 'boolean' || typeof v === 'number') return v;
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return `function ${v.name}`;
  if (typeof v === 'symbol') return v.toString();
  if (Buffer.isBuffer(v)) return bytes('Buffer', v);
  if (v instanceof ArrayBuffer) return bytes('ArrayBuffer', Buffer.from(v));
  if (ArrayBuffer.isView(v)) {
    return bytes(
      v.constructor.name,
      Buffer.from(v.buffer, v.byteOffset, v.byteLength)
    );
  }
  if (typeof Blob !== 'undefined' && v instanceof Blob) {
    return `Blob(${v.size}) type=${JSON.stringify(v.type)}`;
  }
  if (v instanceof Error) {
    const o = { error: v.name, code: v.code === undefined ? null : v.code, message: v.message };
    if (v.errno !== undefined) o.errno = v.errno;
    return o;
  }
  if (depth > 4) return '[deep]';
  if (Array.isArray(v)) return v.map((x) => norm(x, depth + 1));
  if (typeof v === 'object') {
    const out = {};
    for (const k of Object.keys(v)) out[k] = norm(v[k], depth + 1);
    return out;
  }
  return String(v);
}

// ---------------------------------------------------------------------------
// Scenario context
// ---------------------------------------------------------------------------

class Context {
  /**
   * @param {Object} client Module whose WebSocket / createWebSocketStream is used
   * @param {Object} server Module whose WebSocketServer is used
   */
  constructor(client, server) {
    this.mod = client;
    this.WebSocket = client.WebSocket;
    this.createWebSocketStream = client.createWebSocketStream;
    this.WebSocketServer = server.WebSocketServer;
    this.serverMod = server;
    this.ref = WS; // the reference module, for peers that are not under test
    this.entries = [];
    this.cleanups = [];
    this.sockets = new Set();
    this.placeholders = [];
    this.finished = false;
    this.frame = frame;
    this.closePayload = closePayload;
    this.OPCODES = OPCODES;
  }

  /** Appends `[channel, event, ...args]` to the record. */
  log(ch, ev, ...args) {
    if (this.finished) return;
    this.entries.push([ch, ev, ...args.map((a) => norm(a))]);
  }

  /** Registers a cleanup function (run in reverse order after the scenario). */
  defer(fn) {
    this.cleanups.push(fn);
  }

  /** Replaces `value` (a port, an address…) by `<name>` in recorded strings. */
  placeholder(value, name) {
    this.placeholders.push([String(value), `<${name}>`]);
  }

  /** Runs `fn` and returns the normalised error it threw, or 'no throw'. */
  throws(fn) {
    try {
      const r = fn();
      return r === undefined ? 'no throw' : ['no throw', norm(r)];
    } catch (err) {
      return norm(err);
    }
  }

  /** Logs what `fn` throws under `[ch, label]`. */
  logThrows(ch, label, fn) {
    this.log(ch, label, this.throws(fn));
  }

  /** Resolves with the arguments of the next `event` of `emitter`. */
  once(emitter, event) {
    return new Promise((resolve) => {
      if (typeof emitter.once === 'function') {
        emitter.once(event, (...args) => resolve(args));
      } else {
        emitter.addEventListener(event, (e) => resolve([e]), { once: true });
      }
    });
  }

  /**
   * Counts `event`s of `emitter` from now on; `wait(n)` resolves once `n`
   * have been seen in total (with the arguments of each).
   */
  counter(emitter, event) {
    const seen = [];
    const waiters = [];
    emitter.on(event, (...args) => {
      seen.push(args);
      for (const w of waiters.slice()) {
        if (seen.length >= w.n) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(seen);
        }
      }
    });
    return {
      seen,
      wait: (n) =>
        seen.length >= n
          ? Promise.resolve(seen)
          : new Promise((resolve) => waiters.push({ n, resolve }))
    };
  }

  /** Waits `n` turns of the event loop (for "nothing else happens" checks). */
  async settle(ms = 30) {
    await new Promise((r) => setTimeout(r, ms));
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  }

  /** A promise with its resolve function. */
  deferred() {
    let resolve;
    const p = new Promise((r) => (resolve = r));
    p.resolve = resolve;
    return p;
  }

  /**
   * Logs the events of a WebSocket (with the readyState at emit time) to
   * channel `ch`. Returns the socket.
   */
  watch(ws, ch, events = WS_EVENTS) {
    this.track(ws);
    for (const ev of events) {
      ws.on(ev, (...args) => {
        if (ev === 'upgrade') args = [describeResponse(args[0])];
        if (ev === 'redirect') args = [args[0], describeRequest(args[1])];
        if (ev === 'unexpected-response') {
          args = [describeRequest(args[0]), describeResponse(args[1])];
        }
        this.log(ch, ev, ...args, `rs=${ws.readyState}`);
      });
    }
    return ws;
  }

  /** Logs the listed events of any emitter. */
  watchEmitter(emitter, ch, events) {
    for (const ev of events) {
      emitter.on(ev, (...args) => this.log(ch, ev, ...args));
    }
    return emitter;
  }

  /** Remembers a WebSocket so it is terminated at the end. */
  track(ws) {
    this.sockets.add(ws);
    return ws;
  }

  /** A new client of the module under test, watched on `ch`. */
  client(url, protocols, options, ch = 'client') {
    const ws = new this.WebSocket(url, protocols, options);
    return this.watch(ws, ch);
  }

  /** Waits for `open` (or rejects on close / error). */
  opened(ws) {
    if (ws.readyState === 1) return Promise.resolve();
    return new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('close', () => reject(new Error('closed before open')));
    });
  }

  /** Waits until every tracked WebSocket has emitted `close`. */
  async allClosed() {
    for (;;) {
      const open = [...this.sockets].filter((ws) => ws.readyState !== 3);
      if (open.length === 0) return;
      await Promise.all(open.map((ws) => this.closed(ws)));
    }
  }

  /** Waits for `close` (resolves at once if already closed). */
  closed(ws) {
    if (ws.readyState === 3) return Promise.resolve();
    return new Promise((resolve) => ws.once('close', resolve));
  }

  /**
   * A WebSocketServer of the server module listening on 127.0.0.1:0.
   * Resolves with `{ wss, port, url }`.
   */
  async server(options = {}, Server = this.WebSocketServer) {
    const wss = new Server({ host: '127.0.0.1', port: 0, ...options });
    this.trackWss(wss);
    await new Promise((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    const port = wss.address().port;
    this.placeholder(port, `port${this.placeholders.length}`);
    return { wss, port, url: `ws://127.0.0.1:${port}` };
  }

  /** Closes a WebSocketServer (and its clients) at the end. */
  trackWss(wss) {
    this.defer(
      () =>
        new Promise((resolve) => {
          if (wss.clients) for (const c of wss.clients) c.terminate();
          try {
            wss.close(() => resolve());
          } catch {
            resolve();
          }
          setTimeout(resolve, 500);
        })
    );
    return wss;
  }

  /** Resolves with the next server-side connection `[ws, req]`. */
  connection(wss) {
    return new Promise((resolve) =>
      wss.once('connection', (ws, req) => {
        this.track(ws);
        resolve([ws, req]);
      })
    );
  }

  /** Tracks and listens on 127.0.0.1:0 a net/http server; resolves with its port. */
  async listen(server) {
    const sockets = new Set();
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    this.defer(
      () =>
        new Promise((resolve) => {
          for (const s of sockets) s.destroy();
          if (server.closeAllConnections) server.closeAllConnections();
          server.close(() => resolve());
          setTimeout(resolve, 500);
        })
    );
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const port = server.address().port;
    this.placeholder(port, `port${this.placeholders.length}`);
    return port;
  }

  /** An http.Server on 127.0.0.1:0. Resolves with `{ server, port }`. */
  async httpServer(handler) {
    const server = http.createServer(handler);
    const port = await this.listen(server);
    return { server, port };
  }

  /**
   * A raw TCP server that parses one HTTP request head per connection and
   * calls `onRequest(socket, req, rest)` with `req = { method, path, headers }`
   * (header names lower-cased) and the bytes after the head.
   */
  async rawServer(onRequest) {
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      let buf = Buffer.alloc(0);
      const onData = (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        socket.removeListener('data', onData);
        const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
        const [method, path] = lines[0].split(' ');
        const headers = {};
        for (const line of lines.slice(1)) {
          const i = line.indexOf(':');
          headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
        }
        onRequest(socket, { method, path, headers, lines }, buf.subarray(end + 4));
      };
      socket.on('data', onData);
    });
    const port = await this.listen(server);
    return { server, port, url: `ws://127.0.0.1:${port}` };
  }

  /** A `101 Switching Protocols` head for a raw server. */
  switching(req, extra = '') {
    return (
      'HTTP/1.1 101 Switching Protocols\r\n' +
      'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${acceptFor(req.headers['sec-websocket-key'])}\r\n` +
      extra +
      '\r\n'
    );
  }

  /**
   * A raw server that completes the handshake and hands the socket and a
   * frame reader to `onOpen(peer)`; `peer.frames` collects the client's
   * frames, `peer.next()` resolves with the next one, `peer.write(buf)`.
   */
  async rawWsServer(onOpen, extraHeaders = '') {
    return this.rawServer((socket, req, rest) => {
      socket.write(this.switching(req, extraHeaders));
      const peer = this._peer(socket, rest);
      peer.req = req;
      onOpen(peer);
    });
  }

  _peer(socket, rest) {
    const frames = [];
    const waiters = [];
    const parser = new FrameParser((f) => {
      const w = waiters.shift();
      if (w) w(f);
      else frames.push(f);
    });
    socket.on('data', (c) => parser.push(c));
    if (rest && rest.length) parser.push(rest);
    const ended = new Promise((resolve) => {
      socket.once('end', () => resolve('end'));
      socket.once('close', () => resolve('close'));
    });
    return {
      socket,
      ended,
      write: (b) => socket.write(b),
      next: () =>
        frames.length
          ? Promise.resolve(frames.shift())
          : new Promise((r) => waiters.push(r)),
      describe: describeFrame
    };
  }

  /**
   * A raw TCP client that sends an upgrade request (see `upgradeRequest` of
   * test/helpers/http-raw.js) and resolves with
   * `{ socket, head, next(), write(), ended }` once the response head has
   * arrived (`head` is null if the connection ended first).
   */
  rawClient(port, o = {}) {
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => {});
      this.defer(() => socket.destroy());
      let buf = Buffer.alloc(0);
      let done = false;
      const finish = (head, rest) => {
        if (done) return;
        done = true;
        socket.removeListener('data', onData);
        const peer = this._peer(socket, rest);
        peer.head = head;
        peer.body = head ? rest : buf;
        resolve(peer);
      };
      const onData = (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        const head = parseHead(buf);
        if (head) finish(head, buf.subarray(head.headLength));
      };
      socket.on('data', onData);
      socket.once('end', () => finish(null, Buffer.alloc(0)));
      socket.once('close', () => finish(null, Buffer.alloc(0)));
      socket.on('connect', () => {
        socket.write(o.raw !== undefined ? o.raw : upgradeRequest({ key: o.key || makeKey(), ...o }));
      });
    });
  }

  async _finish() {
    this.finished = true;
    for (const ws of this.sockets) {
      try {
        ws.terminate();
      } catch {
        // ignore
      }
    }
    for (const fn of this.cleanups.reverse()) {
      try {
        await fn();
      } catch {
        // ignore
      }
    }
  }

  /** The record with channels grouped and placeholders applied. */
  record() {
    const order = [];
    const groups = new Map();
    for (const e of this.entries) {
      if (!groups.has(e[0])) {
        groups.set(e[0], []);
        order.push(e[0]);
      }
      groups.get(e[0]).push(e);
    }
    order.sort();
    const out = [];
    for (const ch of order) out.push(...groups.get(ch));
    return this._replace(out);
  }

  _replace(v) {
    if (typeof v === 'string') {
      if (/^(Buffer|ArrayBuffer|[A-Za-z0-9]+Array|DataView)\(\d+\) hex /.test(v)) return v;
      for (const [from, to] of this.placeholders) {
        v = v.replace(new RegExp(`(?<![0-9])${from}(?![0-9])`, 'g'), to);
      }
      return v;
    }
    if (Array.isArray(v)) return v.map((x) => this._replace(x));
    if (v && typeof v === 'object') {
      const o = {};
      for (const k of Object.keys(v)) o[k] = this._replace(v[k]);
      return o;
    }
    return v;
  }
}

/** Plain data for an http.IncomingMessage (a response). */
function describeResponse(res, headerNames) {
  const headers = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (headerNames && !headerNames.includes(k)) continue;
    if (k === 'date') continue;
    headers[k] = k === 'sec-websocket-accept' ? '<accept>' : v;
  }
  return { statusCode: res.statusCode, statusMessage: res.statusMessage, headers };
}

/** Plain data for an http.ClientRequest. */
function describeRequest(req) {
  if (!req || typeof req.getHeaders !== 'function') return typeof req;
  const headers = {};
  for (const [k, v] of Object.entries(req.getHeaders())) {
    headers[k] = k === 'sec-websocket-key' ? '<key>' : v;
  }
  return { method: req.method, path: req.path, host: req.host, headers };
}

/** Plain data for a server-side upgrade request (http.IncomingMessage). */
function describeUpgradeRequest(req, names) {
  const headers = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (k === 'sec-websocket-key') headers[k] = '<key>';
    else if (!names || names.includes(k)) headers[k] = v;
  }
  return { method: req.method, url: req.url, headers };
}

/** Plain data for a parsed frame. */
function describeFrame(f) {
  const o = { fin: f.fin, opcode: f.opcode, masked: f.masked };
  if (f.rsv1 || f.rsv2 || f.rsv3) o.rsv = [f.rsv1, f.rsv2, f.rsv3];
  if (f.opcode === OPCODES.close && f.payload.length >= 2) {
    o.code = f.payload.readUInt16BE(0);
    o.reason = f.payload.subarray(2).toString();
  } else {
    o.payload = norm(f.payload);
  }
  return o;
}

// ---------------------------------------------------------------------------
// Running and comparing
// ---------------------------------------------------------------------------

/**
 * Runs `scenarioFn(t)` with `client` (and `server`, defaulting to `client`)
 * as the modules under test and resolves with the record. A scenario that
 * throws or hangs is recorded as such (`['scenario', 'threw', err]`).
 */
async function runScenario(client, scenarioFn, server = client) {
  const t = new Context(client, server);
  let timer;
  try {
    await Promise.race([
      scenarioFn(t),
      new Promise((resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error('scenario timed out')),
          RUN_TIMEOUT
        );
      })
    ]);
  } catch (err) {
    t.log('~scenario', 'threw', err);
  } finally {
    clearTimeout(timer);
  }
  const record = t.record();
  await t._finish();
  return record;
}

function line(e) {
  return util.inspect(e, { depth: 6, breakLength: Infinity, compact: true });
}

/** A line diff (LCS) of two records, `-` = ws (expected), `+` = uws. */
function diff(expected, actual) {
  const a = expected.map(line);
  const b = actual.map(line);
  const n = a.length;
  const m = b.length;
  const L = Array.from({ length: n + 1 }, () => new Array(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(`    ${a[i]}`);
      i++;
      j++;
    } else if (j < m && (i === n || L[i][j + 1] >= L[i + 1][j])) {
      out.push(`  + ${b[j++]}`);
    } else {
      out.push(`  - ${a[i++]}`);
    }
  }
  return out.join('\n');
}

function assertSame(label, actual, expected) {
  try {
    assert.deepStrictEqual(actual, expected);
  } catch {
    throw new Error(
      `${label}: record differs from ws (- ws, + uws)\n${diff(expected, actual)}`
    );
  }
}

async function reference(fn, client = WS, server = WS) {
  const expected = await runScenario(client, fn, server);
  const threw = expected.find((e) => e[0] === '~scenario');
  if (threw) {
    throw new Error(
      `scenario fails with the reference ws: ${line(threw)}\n${expected.map(line).join('\n')}`
    );
  }
  assert.ok(expected.length > 0, 'scenario records nothing');
  return expected;
}

/**
 * Registers a mocha test running `fn` with ws and with uws and requiring
 * identical records. `opts.timeout` (ms) for slow scenarios.
 */
function compare(name, fn, opts = {}) {
  const register = opts.skip ? it.skip : it;
  register(name, async function () {
    this.timeout(opts.timeout || 10000);
    const expected = await reference(fn);
    const actual = await runScenario(UWS, fn);
    if (process.env.COMPAT_DUMP) {
      console.log(`\n[ws] ${name}\n${expected.map(line).join('\n')}`);
    }
    assertSame(name, actual, expected);
  });
}

/** `compare` marked as skipped (for KNOWN DIFFERENCE scenarios). */
compare.skip = (name, fn, opts = {}) => compare(name, fn, { ...opts, skip: true });

/**
 * The mixed matrix: ws client ↔ ws server is the reference; uws↔uws,
 * uws client ↔ ws server and ws client ↔ uws server must record the same.
 * `skip` lists combinations to skip ('uws-uws', 'uws-ws', 'ws-uws').
 */
function matrix(name, fn, opts = {}) {
  const combos = [
    ['uws-uws', UWS, UWS],
    ['uws-ws', UWS, WS],
    ['ws-uws', WS, UWS]
  ];
  describe(`${name} (matrix)`, () => {
    for (const [label, client, server] of combos) {
      const skipped = opts.skip && opts.skip.includes(label);
      (skipped ? it.skip : it)(
        `${label.replace('-', ' client ↔ ')} server`,
        async function () {
          this.timeout(opts.timeout || 10000);
          const expected = await reference(fn);
          const actual = await runScenario(client, fn, server);
          assertSame(`${name} [${label}]`, actual, expected);
        }
      );
    }
  });
}

module.exports = {
  WS,
  UWS,
  runScenario,
  compare,
  matrix,
  norm,
  diff,
  describeFrame,
  describeRequest,
  describeResponse,
  describeUpgradeRequest,
  frame,
  closePayload,
  OPCODES
};
