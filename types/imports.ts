// Every way user code imports the ws API, and the type names it uses.
import WebSocket, { WebSocketServer, Server, createWebSocketStream } from 'uws';
import type { RawData, ClientOptions, ServerOptions, Data, PerMessageDeflateOptions } from 'uws';

const clientOptions: ClientOptions = {
  handshakeTimeout: 5000,
  perMessageDeflate: false,
  headers: { Authorization: 'Bearer token' },
  maxPayload: 1024 * 1024
};

const deflate: PerMessageDeflateOptions = { threshold: 1024, serverNoContextTakeover: true };

const serverOptions: ServerOptions = {
  port: 8080,
  perMessageDeflate: deflate,
  clientTracking: true,
  maxPayload: 100 * 1024 * 1024
};

function describe(data: RawData): string {
  if (Buffer.isBuffer(data)) return `buffer of ${data.length}`;
  if (Array.isArray(data)) return `${data.length} fragments`;
  return `ArrayBuffer of ${data.byteLength}`;
}

function asText(data: Data): string {
  return typeof data === 'string' ? data : describe(data);
}

// The namespace forms, as in `WebSocket.Data` / `WebSocket.RawData`.
const received: WebSocket.RawData[] = [];
const texts: WebSocket.Data[] = ['hello', Buffer.from('world')];
const options: WebSocket.ServerOptions = { noServer: true };
const clientDefaults: WebSocket.ClientOptions = { followRedirects: true, maxRedirects: 3 };

// `Server` and `WebSocketServer` are the same class.
const servers: Server[] = [new WebSocketServer(serverOptions)];
const server: WebSocketServer = new Server(options);
const legacy = new WebSocket.Server({ noServer: true });
const modern = new WebSocket.WebSocketServer({ noServer: true });
servers.push(server, legacy, modern);

const ws = new WebSocket('ws://localhost:8080', clientOptions);
const alias: WebSocket.WebSocket = ws;
const stream = createWebSocketStream(alias);
const stream2 = WebSocket.createWebSocketStream(ws);

console.log(received, texts.map(asText), clientDefaults, stream.readable, stream2.writable);
