// A WebSocket subclass passed as the server's `WebSocket` option.
import type { IncomingMessage } from 'node:http';
import WebSocket, { WebSocketServer } from 'uws';

class TrackedSocket extends WebSocket {
  id = Math.random().toString(36).slice(2);
  isAlive = true;

  sendJson(value: unknown): void {
    this.send(JSON.stringify(value));
  }
}

const wss = new WebSocketServer({ port: 8081, WebSocket: TrackedSocket });

wss.on('connection', (ws, req: IncomingMessage) => {
  const tracked: TrackedSocket = ws;
  tracked.sendJson({ id: tracked.id, url: req.url });
  ws.on('pong', () => {
    ws.isAlive = true;
  });
});

for (const client of wss.clients) {
  if (client.isAlive) client.sendJson({ ping: client.id });
}

// A client subclass works too.
const client = new TrackedSocket('ws://localhost:8081');
client.on('open', () => client.sendJson({ hello: client.id }));
