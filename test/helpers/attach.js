'use strict';

//
// Helpers for the attach modes (`server:` and `noServer` + `handleUpgrade`):
// Node HTTP(S) servers on 127.0.0.1 (HTTPS with the test certificate of
// ./tls-fixture), WebSocketServers, and a cleanup that closes everything
// they opened.
//

const http = require('http');
const https = require('https');

const { WebSocketServer } = require('./module-under-test');
const { tlsFixture } = require('./tls-fixture');

const httpServers = new Set();
const wsServers = new Set();

/**
 * Starts an `http.Server` (or, with `tls: true`, an `https.Server` with the
 * test certificate) on 127.0.0.1 and an ephemeral port; resolves with it.
 * `server.port` is the port; `server.sockets` the connections Node opened.
 */
function startHttpServer({ tls = false, handler } = {}) {
  const server = tls
    ? https.createServer(tlsFixture, handler)
    : http.createServer(handler);
  server.sockets = new Set();
  server.on(tls ? 'secureConnection' : 'connection', (socket) => {
    server.sockets.add(socket);
    socket.on('close', () => server.sockets.delete(socket));
  });
  httpServers.add(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.removeListener('error', reject);
      server.port = server.address().port;
      resolve(server);
    });
  });
}

/** A WebSocketServer of the module under test, closed by `cleanupAttach()`. */
function createWss(options, callback) {
  const wss = new WebSocketServer(options, callback);
  wss.connections = new Set();
  wss.on('connection', (ws) => {
    wss.connections.add(ws);
    ws.on('error', () => {});
    ws.on('close', () => wss.connections.delete(ws));
  });
  wsServers.add(wss);
  return wss;
}

/** Closes every WebSocketServer and HTTP(S) server the helpers created. */
async function cleanupAttach() {
  const closing = [];

  for (const wss of wsServers) {
    for (const ws of wss.connections) ws.terminate();
    closing.push(new Promise((resolve) => wss.close(() => resolve())));
  }
  wsServers.clear();

  for (const server of httpServers) {
    for (const socket of server.sockets) socket.destroy();
    if (server.listening) {
      closing.push(new Promise((resolve) => server.close(() => resolve())));
    }
  }
  httpServers.clear();

  await Promise.all(closing);
}

module.exports = {
  cleanupAttach,
  createWss,
  startHttpServer
};
