'use strict';

const { once } = require('events');
const net = require('net');

const WsClient = require('ws');

const { WebSocketServer } = require('./module-under-test');

const tracked = new Set();

/**
 * Registers a resource to be released by `cleanup()`: a WebSocketServer, a
 * WebSocket, a net.Socket, a RawClient/RawHttp (anything with `destroy()`,
 * `terminate()` or `close()`).
 */
function track(resource) {
  tracked.add(resource);
  return resource;
}

/**
 * Starts a WebSocketServer from the module under test on 127.0.0.1 with an
 * ephemeral port. Resolves with the server; `server.port` is the port.
 * Server-side sockets are remembered in `server.connections` even when
 * `clientTracking` is off.
 */
function startServer(options = {}, Server = WebSocketServer) {
  return new Promise((resolve, reject) => {
    const wss = new Server({ host: '127.0.0.1', port: 0, ...options });
    wss.connections = new Set();
    wss.on('connection', (ws) => {
      wss.connections.add(ws);
      ws.on('close', () => wss.connections.delete(ws));
    });
    track(wss);
    wss.once('error', reject);
    wss.once('listening', () => {
      wss.removeListener('error', reject);
      wss.port = wss.address().port;
      resolve(wss);
    });
  });
}

/** Starts a server that echoes every message back with the same type. */
async function startEchoServer(options = {}) {
  const wss = await startServer(options);
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  return wss;
}

function closeServer(wss) {
  return new Promise((resolve) => {
    for (const ws of wss.connections || []) ws.terminate();
    if (wss.clients) for (const ws of wss.clients) ws.terminate();
    wss.close(() => resolve());
  });
}

/** Releases everything registered with `track()`; use in afterEach. */
async function cleanup() {
  const items = [...tracked];
  tracked.clear();
  const servers = [];

  for (const r of items) {
    if (typeof r.address === 'function' && r.options) servers.push(r);
    else if (typeof r.terminate === 'function') {
      if (typeof r.on === 'function') r.on('error', () => {});
      r.terminate();
    }
    else if (typeof r.destroy === 'function') r.destroy();
    else if (typeof r.close === 'function') r.close();
  }

  await Promise.all(servers.map(closeServer));
}

/** Resolves with `[ws, req]` of the next `connection` event. */
function nextConnection(wss) {
  return once(wss, 'connection');
}

/**
 * Resolves with the arguments of the next `name` event. Unlike
 * `events.once()` it does not reject on `'error'`.
 */
function waitEvent(emitter, name) {
  return new Promise((resolve) => emitter.once(name, (...args) => resolve(args)));
}

/** Resolves when `ws` (a WebSocket client) is open. */
function opened(ws) {
  if (ws.readyState === 1) return Promise.resolve();
  return once(ws, 'open');
}

/** Finds a free port by listening on port 0 and closing again. */
function freePort() {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a server and connects a `ws` client. Resolves with
 * `{ wss, ws (server side), client, req }`.
 */
async function pair(serverOptions = {}, clientOptions = {}, protocols) {
  const wss = await startServer(serverOptions);
  const conn = nextConnection(wss);
  const client = track(new WsClient(`ws://127.0.0.1:${wss.port}/`, protocols, clientOptions));
  const [[ws, req]] = await Promise.all([conn, opened(client)]);
  return { wss, ws, client, req };
}

module.exports = {
  cleanup,
  closeServer,
  freePort,
  nextConnection,
  opened,
  pair,
  startEchoServer,
  startServer,
  track,
  waitEvent
};
