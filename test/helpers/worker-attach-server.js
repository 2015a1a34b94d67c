'use strict';

//
// Worker thread script: an http.Server with a WebSocketServer of the module
// under test attached (`server:` mode) echoing messages; obeys 'close' from
// the parent, after which nothing may keep the worker alive.
//

const http = require('http');
const { parentPort } = require('worker_threads');

const { WebSocketServer } = require('./module-under-test');

const server = http.createServer((req, res) => res.end('plain http from a worker'));
const wss = new WebSocketServer({ server });

wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  parentPort.postMessage({ type: 'connection', clients: wss.clients.size });
});

server.listen(0, '127.0.0.1', () => {
  parentPort.postMessage({ type: 'listening', port: server.address().port });
});

function onMessage(cmd) {
  if (cmd !== 'close') return;
  for (const ws of wss.clients) ws.close(1001, 'worker closing');
  let pending = 2;
  const done = () => {
    if (--pending > 0) return;
    parentPort.postMessage({ type: 'closed' });
    parentPort.off('message', onMessage);
  };
  wss.close(done);
  server.close(done);
}

parentPort.on('message', onMessage);
