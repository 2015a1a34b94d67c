'use strict';

//
// Worker thread script: starts an echo server from the module under test and
// obeys commands from the parent ('close', 'exit', 'throw').
//

const { parentPort } = require('worker_threads');

const { WebSocketServer } = require('./module-under-test');

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 }, () => {
  parentPort.postMessage({ type: 'listening', port: wss.address().port });
});

wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    ws.send(data, { binary: isBinary });
  });
  parentPort.postMessage({ type: 'connection', clients: wss.clients.size });
});

function onMessage(cmd) {
  if (cmd === 'close') {
    for (const ws of wss.clients) ws.close(1001, 'worker closing');
    wss.close((err) => {
      parentPort.postMessage({ type: 'closed', error: err ? err.message : null });
      // Nothing else keeps the loop alive: the worker must now exit by itself.
      parentPort.off('message', onMessage);
    });
  } else if (cmd === 'exit') {
    process.exit(0);
  }
}

parentPort.on('message', onMessage);
