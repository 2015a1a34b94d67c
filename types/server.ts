// A typical server: verification, subprotocols, broadcast, typed events.
import * as http from 'node:http';
import WebSocket, { WebSocketServer } from 'uws';

const wss = new WebSocketServer({
  port: 8080,
  verifyClient: (info, cb) => {
    const origin: string = info.origin;
    const secure: boolean = info.secure;
    const req: http.IncomingMessage = info.req;
    if (origin !== 'https://example.com' || !req.headers.authorization) {
      cb(false, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer' });
      return;
    }
    cb(secure || req.socket.remoteAddress === '127.0.0.1');
  },
  handleProtocols: (protocols: Set<string>, req) => {
    if (req.url === '/legacy') return false;
    return protocols.has('chat.v2') ? 'chat.v2' : false;
  }
});

function broadcast(data: WebSocket.RawData, isBinary: boolean, except?: WebSocket): void {
  wss.clients.forEach((client) => {
    if (client !== except && client.readyState === WebSocket.OPEN) {
      client.send(data, { binary: isBinary });
    }
  });
}

wss.on('listening', () => {
  const address = wss.address();
  if (address !== null && typeof address !== 'string') console.log(`listening on ${address.port}`);
});

wss.on('connection', (ws: WebSocket, req: http.IncomingMessage) => {
  const ip = req.headers['x-forwarded-for'] ?? req.socket.remoteAddress;
  console.log(`${ip} connected with ${ws.protocol || 'no protocol'} ${ws.extensions}`);

  ws.on('error', console.error);

  ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
    broadcast(data, isBinary, ws);
    ws.send(data, { binary: true }, (err?: Error) => {
      if (err) console.error('send failed', err.message);
    });
  });

  ws.on('ping', (data: Buffer) => ws.pong(data));
  ws.on('close', (code: number, reason: Buffer) => {
    console.log(`closed ${code} ${reason.toString()} (${ws.bufferedAmount} unsent)`);
  });

  if (ws.readyState === WebSocket.OPEN) ws.send('welcome');
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ hello: 'world' }));
  ws.send(new Uint8Array([1, 2, 3]));
  ws.send(Buffer.from('x'), (err) => err && ws.terminate());
});

wss.on('headers', (headers: string[], req: http.IncomingMessage) => {
  headers.push(`X-Request-Url: ${req.url}`);
});

wss.on('error', (err: Error) => console.error(err));

// Heartbeat: the classic ping/terminate loop.
const alive = new WeakSet<WebSocket>();
wss.on('connection', (ws) => {
  alive.add(ws);
  ws.on('pong', () => alive.add(ws));
});
const interval = setInterval(() => {
  for (const ws of wss.clients) {
    if (!alive.has(ws)) {
      ws.terminate();
      continue;
    }
    alive.delete(ws);
    ws.ping();
  }
}, 30000);

wss.on('close', () => clearInterval(interval));

process.on('SIGTERM', () => {
  for (const ws of wss.clients) ws.close(1001, 'server shutting down');
  wss.close((err?: Error) => {
    if (err) console.error(err);
  });
});
