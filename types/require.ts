// CommonJS-style TypeScript (`import x = require()`), as in `const WebSocket = require('ws')`.
import WebSocket = require('uws');

const wss = new WebSocket.Server({ port: 8083 });
const wss2 = new WebSocket.WebSocketServer({ noServer: true });

wss.on('connection', (ws: WebSocket) => {
  ws.on('message', (message: WebSocket.RawData) => ws.send(message));
});

const ws = new WebSocket('ws://localhost:8083');
ws.on('open', () => {
  if (ws.readyState === WebSocket.OPEN) ws.send('hi');
});

const stream = WebSocket.createWebSocketStream(ws, { decodeStrings: false });
const options: WebSocket.ClientOptions = { origin: 'http://localhost' };
console.log(wss2.clients.size, stream.readableHighWaterMark, options);
