// The same API from an ES module (`import` condition of the package).
import WebSocket, { WebSocketServer, createWebSocketStream } from 'uws';
import type { RawData, ServerOptions } from 'uws';

const options: ServerOptions = { port: 8082 };
const wss = new WebSocketServer(options);

wss.on('connection', (ws: WebSocket) => {
  ws.on('message', (data: RawData, isBinary: boolean) => {
    ws.send(data, { binary: isBinary });
  });
  const duplex = createWebSocketStream(ws);
  duplex.pipe(duplex);
});

const client = new WebSocket('ws://localhost:8082');
client.on('open', () => client.send('hello'));
const data: WebSocket.Data = 'x';
console.log(data, WebSocket.OPEN);
