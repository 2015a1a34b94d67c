'use strict';

//
// A WebSocket echo server: every message goes back to its sender with the
// same type. Listens on 127.0.0.1:3000 unless told otherwise:
//
//   node examples/echo-server.js [--port N] [--host H]
//

const { WebSocketServer } = require('..');

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index !== -1 && index + 1 < process.argv.length
    ? process.argv[index + 1]
    : fallback;
}

const host = option('host', '127.0.0.1');
const port = Number(option('port', '3000'));

const wss = new WebSocketServer({ host, port }, () => {
  const { address, family, port: boundPort } = wss.address();
  const shown = family === 'IPv6' ? `[${address}]` : address;
  console.log(`uws echo server listening on ws://${shown}:${boundPort}`);
});

wss.on('error', (err) => {
  console.error(`uws echo server: ${err.message}`);
  process.exit(1);
});

wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    ws.send(data, { binary: isBinary });
  });
});
