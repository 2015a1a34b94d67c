'use strict';

//
// Servers a WebSocket client under test talks to: the reference `ws`
// server, plain HTTP(S) servers, and raw TCP servers that answer the
// upgrade request with hand-written bytes. Everything started here is
// closed by `closePeers()` (call it in afterEach).
//

const fs = require('fs');
const http = require('http');
const https = require('https');
const net = require('net');
const os = require('os');
const path = require('path');

const WsReference = require('ws');
const { FrameParser } = require('./frames');
const { acceptFor, parseHead } = require('./http-raw');
const { tlsFixture } = require('./tls-fixture');

const servers = new Set();
const socketPaths = new Set();


/**
 * Registers a net/http/https server, remembering its sockets so that
 * `closePeers()` can destroy them (an upgraded socket keeps a server open).
 */
function trackServer(server) {
  server.sockets = new Set();
  const remember = (socket) => {
    server.sockets.add(socket);
    socket.on('close', () => server.sockets.delete(socket));
  };
  server.on('connection', remember);
  server.on('secureConnection', remember);
  servers.add(server);
  return server;
}

/** Listens on 127.0.0.1 port 0 (or `where`, a unix socket path); resolves with the port. */
function listen(server, where) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.removeListener('error', reject);
      resolve(typeof where === 'string' ? where : server.address().port);
    };
    if (typeof where === 'string') server.listen(where, done);
    else server.listen(0, '127.0.0.1', done);
  });
}

/** A fresh unix socket path in the temporary directory (removed by `closePeers`). */
function tmpSocketPath() {
  const file = path.join(
    os.tmpdir(),
    `uws-client-${process.pid}-${Math.random().toString(16).slice(2)}.sock`
  );
  socketPaths.add(file);
  return file;
}

/**
 * Starts a reference `ws` server on its own HTTP(S) server. Resolves with
 * `{ wss, server, port, requests }`; `requests` collects the upgrade requests.
 *
 * @param {Object} [options] `ws` server options (`server`/`port` are ours)
 * @param {Object} [o]
 * @param {Boolean} [o.secure] Use HTTPS with the fixture certificate
 * @param {String} [o.socketPath] Listen on this unix socket instead of TCP
 */
async function startWsServer(options = {}, o = {}) {
  const server = trackServer(
    o.secure ? https.createServer(tlsFixture) : http.createServer()
  );
  const wss = new WsReference.WebSocketServer({ ...options, server });
  const requests = [];
  wss.on('connection', (ws, req) => {
    requests.push(req);
    ws.on('error', () => {});
  });
  server.wss = wss;
  const port = await listen(server, o.socketPath);
  return { wss, server, port, requests };
}

/** Resolves with the next `[ws, req]` connection of a reference server. */
function nextServerConnection(wss) {
  return new Promise((resolve) =>
    wss.once('connection', (ws, req) => resolve([ws, req]))
  );
}

/**
 * Starts a plain HTTP server. Resolves with `{ server, port }`.
 *
 * @param {Function} handler The `'request'` listener
 */
async function startHttpServer(handler) {
  const server = trackServer(http.createServer(handler));
  const port = await listen(server);
  return { server, port };
}

/**
 * Starts a raw TCP server that reads each upgrade request head and calls
 * `onRequest(conn)` with `{ socket, head, key, rest }` (`head` from
 * `parseHead`, `rest` the bytes after it). Resolves with `{ server, port }`.
 */
async function startRawServer(onRequest) {
  const server = trackServer(
    net.createServer((socket) => {
      let data = Buffer.alloc(0);
      const onData = (chunk) => {
        data = Buffer.concat([data, chunk]);
        const head = parseHead(data);
        if (!head) return;
        socket.removeListener('data', onData);
        onRequest({
          socket,
          head,
          key: head.headers['sec-websocket-key'],
          rest: data.subarray(head.headLength)
        });
      };
      socket.on('data', onData);
      socket.on('error', () => {});
    })
  );
  const port = await listen(server);
  return { server, port };
}

/**
 * A 101 response head for `key`, with `headers` (name → value; `null`
 * removes a default one).
 */
function switchingProtocols(key, headers = {}) {
  const all = {
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Accept': acceptFor(key),
    ...headers
  };
  let head = 'HTTP/1.1 101 Switching Protocols\r\n';
  for (const name of Object.keys(all)) {
    if (all[name] !== null) head += `${name}: ${all[name]}\r\n`;
  }
  return head + '\r\n';
}

/**
 * Collects the frames a client sends on a raw connection: resolves `wait(n)`
 * once `n` frames arrived. Each frame is as `FrameParser` reports it, plus
 * `maskKey` (the 4 key bytes, or null).
 */
function collectFrames(socket, rest = Buffer.alloc(0)) {
  const frames = [];
  let waiters = [];
  let raw = Buffer.alloc(0);
  const parser = new FrameParser((f) => {
    frames.push(f);
    const check = waiters;
    waiters = [];
    for (const w of check) {
      if (frames.length >= w.n) w.resolve(frames);
      else waiters.push(w);
    }
  });
  const push = (chunk) => {
    // Keep the raw bytes to read the masking keys back.
    raw = Buffer.concat([raw, chunk]);
    parser.push(chunk);
  };
  socket.on('data', push);
  if (rest.length) push(rest);

  return {
    frames,
    maskKeys() {
      const keys = [];
      let off = 0;
      while (off + 2 <= raw.length) {
        let len = raw[off + 1] & 0x7f;
        let p = off + 2;
        if (len === 126) {
          len = raw.readUInt16BE(p);
          p += 2;
        } else if (len === 127) {
          len = Number(raw.readBigUInt64BE(p));
          p += 8;
        }
        const masked = (raw[off + 1] & 0x80) !== 0;
        keys.push(masked ? raw.subarray(p, p + 4) : null);
        off = p + (masked ? 4 : 0) + len;
      }
      return keys;
    },
    wait(n) {
      return new Promise((resolve) => {
        if (frames.length >= n) resolve(frames);
        else waiters.push({ n, resolve });
      });
    }
  };
}

/** Closes every server started here, destroying their connections. */
async function closePeers() {
  const list = [...servers];
  servers.clear();

  await Promise.all(
    list.map(
      (server) =>
        new Promise((resolve) => {
          if (server.wss) {
            for (const ws of server.wss.clients) ws.terminate();
            server.wss.close();
          }
          for (const socket of server.sockets) socket.destroy();
          if (!server.listening) resolve();
          else server.close(() => resolve());
        })
    )
  );

  for (const file of socketPaths) fs.rmSync(file, { force: true });
  socketPaths.clear();
}

module.exports = {
  closePeers,
  collectFrames,
  listen,
  nextServerConnection,
  startHttpServer,
  startRawServer,
  startWsServer,
  switchingProtocols,
  tmpSocketPath,
  trackServer
};
