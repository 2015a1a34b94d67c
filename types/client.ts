// A client: protocols, headers, the EventEmitter and the WHATWG styles.
import WebSocket from 'uws';

const ws = new WebSocket('ws://localhost:8080/chat', ['p1'], {
  headers: { 'User-Agent': 'my-app/1.0', Cookie: 'session=abc' },
  perMessageDeflate: true,
  handshakeTimeout: 10000
});
ws.binaryType = 'arraybuffer';

ws.on('open', function open() {
  console.log(`connected to ${this.url} with ${ws.protocol}`);
  ws.send('something');
  ws.ping();
});

ws.on('upgrade', (res) => console.log(res.headers['sec-websocket-extensions']));
ws.on('unexpected-response', (req, res) => {
  console.log(res.statusCode);
  req.destroy();
});
ws.on('redirect', (url, req) => console.log(url, req.path));

ws.on('message', function message(data, isBinary) {
  const text = isBinary ? `${(data as ArrayBuffer).byteLength} bytes` : data.toString();
  console.log('received: %s', text);
});

ws.on('close', (code, reason) => console.log(code, reason.toString('utf8')));
ws.on('error', (err) => console.error(err.message));

// The browser-style API.
ws.onopen = (event) => {
  console.log(event.type, event.target.readyState);
};
ws.onmessage = (ev) => ev.data;
ws.onmessage = (event: WebSocket.MessageEvent) => {
  const data: WebSocket.Data = event.data;
  if (typeof data === 'string') console.log(data.toUpperCase());
};
ws.onclose = (event) => console.log(event.code, event.reason, event.wasClean);
ws.onerror = (event) => console.error(event.message, event.error);
ws.onerror = null;

const onMessage = (event: WebSocket.MessageEvent) => console.log(event.data);
ws.addEventListener('message', onMessage);
ws.addEventListener('open', () => ws.send('hi'), { once: true });
ws.addEventListener('close', {
  handleEvent(event: WebSocket.CloseEvent) {
    console.log(event.code);
  }
});
ws.removeEventListener('message', onMessage);

// Closing and flow control.
if (ws.readyState === WebSocket.CONNECTING) ws.close();
ws.close(1000, 'bye');
ws.pause();
if (ws.isPaused) ws.resume();
ws.terminate();

// A URL object and a client built for the server side.
const url = new URL('wss://example.com/socket');
const secure = new WebSocket(url, { rejectUnauthorized: false, protocol: 'p1' });
secure.once('open', () => secure.close());
