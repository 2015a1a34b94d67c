// Sharing an http.Server: noServer mode, upgrade routing and handleUpgrade.
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'uws';

const server = createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end('ok');
});

const wss = new WebSocketServer({ noServer: true, path: '/ws' });
const attached = new WebSocketServer({ server, perMessageDeflate: { threshold: 512 } });

wss.on('connection', (ws: WebSocket, request: IncomingMessage, client?: string) => {
  ws.on('message', (data) => console.log(`Received ${data} from ${client}`));
});

function authenticate(request: IncomingMessage, next: (err: Error | null, client?: string) => void): void {
  next(request.headers.authorization ? null : new Error('no auth'), 'user');
}

server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
  if (!wss.shouldHandle(req)) {
    socket.destroy();
    return;
  }

  authenticate(req, (err, client) => {
    if (err || !client) {
      socket.write('HTTP/1.1 401 Unauthorized\r\n\r\n');
      socket.destroy();
      return;
    }

    wss.handleUpgrade(req, socket, head, (ws, request) => {
      wss.emit('connection', ws, request, client);
    });
  });
});

attached.on('wsClientError', (error: Error, socket: Duplex, request: IncomingMessage) => {
  console.error(error.message, request.url);
  socket.destroy();
});

server.listen(8080);
console.log(wss.path, wss.options.noServer, attached.clients.size);
