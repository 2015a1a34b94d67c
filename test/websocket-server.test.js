'use strict';

//
// WebSocketServer with its own listener, driven by `ws` clients (and raw
// HTTP where the exact response matters).
//

const assert = require('assert/strict');
const http = require('http');
const path = require('path');
const { fork } = require('child_process');
const { once } = require('events');

const WsClient = require('ws');
const { WebSocketServer, WebSocket } = require('./helpers/module-under-test');
const { RawHttp, upgradeRequest, request } = require('./helpers/http-raw');
const { closePayload, connect, frame } = require('./helpers/raw-client');
const {
  cleanup,
  nextConnection,
  opened,
  startEchoServer,
  startServer,
  track,
  waitEvent
} = require('./helpers/server');

/** Opens a `ws` client to the server (tracked for cleanup). */
function client(port, path = '/', options) {
  return track(new WsClient(`ws://127.0.0.1:${port}${path}`, options));
}

/** Connects a raw (frame-level) client; resolves with it and the server-side socket. */
async function rawClientOf(wss) {
  const conn = nextConnection(wss);
  const raw = track(await connect(wss.port));
  const [serverWs] = await conn;
  return { raw, serverWs };
}

/** Sends `text` from an open client and asserts that the echo server sends it back. */
async function assertEchoes(ws, text) {
  ws.send(text);
  const [data] = await once(ws, 'message');
  assert.equal(data.toString(), text);
}

/** Resolves with the `unexpected-response` status or rejects on open. */
function rejected(ws) {
  return new Promise((resolve, reject) => {
    ws.on('open', () => reject(new Error('unexpectedly opened')));
    ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    ws.on('error', () => {});
  });
}

describe('WebSocketServer', function () {
  afterEach(cleanup);

  describe('constructor', function () {
    it('throws a TypeError when no port (nor server/noServer) is given', function () {
      const message =
        'One and only one of the "port", "server", or "noServer" options ' +
        'must be specified';
      assert.throws(() => new WebSocketServer(), { name: 'TypeError' });
      assert.throws(() => new WebSocketServer({}), { name: 'TypeError', message });
      assert.throws(() => new WebSocketServer({ host: '127.0.0.1' }), {
        name: 'TypeError',
        message
      });
    });

    it('throws a TypeError for port together with noServer or server', function () {
      const message =
        'One and only one of the "port", "server", or "noServer" options ' +
        'must be specified';
      assert.throws(() => new WebSocketServer({ port: 0, noServer: true }), {
        name: 'TypeError',
        message
      });
      const server = http.createServer();
      assert.throws(() => new WebSocketServer({ port: 0, server }), {
        name: 'TypeError',
        message
      });
    });

    it('is an EventEmitter exposing options', async function () {
      const wss = await startServer({ maxPayload: 1234 });
      assert.equal(typeof wss.on, 'function');
      assert.equal(typeof wss.emit, 'function');
      assert.equal(wss.options.maxPayload, 1234);
      assert.equal(wss.options.clientTracking, true);
    });

    it('calls the callback once listening, with address() available', function (done) {
      const wss = track(
        new WebSocketServer({ port: 0, host: '127.0.0.1' }, function () {
          const addr = wss.address();
          assert.equal(addr.address, '127.0.0.1');
          assert.equal(addr.family, 'IPv4');
          assert.equal(typeof addr.port, 'number');
          assert.ok(addr.port > 0);
          done();
        })
      );
    });

    it('emits listening', async function () {
      const wss = track(new WebSocketServer({ port: 0, host: '127.0.0.1' }));
      await once(wss, 'listening');
      assert.ok(wss.address().port > 0);
    });

    it('accepts a backlog option and still serves connections', async function () {
      const wss = await startEchoServer({ backlog: 1 });
      const ws = client(wss.port);
      await opened(ws);
      await assertEchoes(ws, 'ok');
    });

    it('emits error with code EADDRINUSE when the port is taken', async function () {
      const first = await startServer();
      const second = track(
        new WebSocketServer({ port: first.port, host: '127.0.0.1' })
      );
      let listening = false;
      second.on('listening', () => (listening = true));
      const [err] = await once(second, 'error');
      assert.ok(err instanceof Error);
      assert.equal(err.code, 'EADDRINUSE');
      assert.equal(listening, false);
    });
  });

  describe('options', function () {
    it('path: accepts the path (with a query string) and rejects others with 400', async function () {
      const wss = await startEchoServer({ path: '/chat' });
      const ok = client(wss.port, '/chat?room=1');
      await opened(ok);

      const { res, conn } = await request(wss.port, upgradeRequest({ path: '/other' }));
      track(conn);
      assert.equal(
        res.rawHead,
        'HTTP/1.1 400 Bad Request\r\n' +
          'Connection: close\r\n' +
          'Content-Type: text/html\r\n' +
          'Content-Length: 11\r\n\r\n'
      );
      assert.equal(res.body, 'Bad Request');
      await conn.closed;

      const sub = await rejected(client(wss.port, '/chat/sub'));
      assert.equal(sub.status, 400);
    });

    it('maxPayload: closes with 1009 when a message is too big', async function () {
      const wss = await startServer({ maxPayload: 10 });
      const conn = nextConnection(wss);
      const ws = client(wss.port);
      await opened(ws);
      const [serverWs] = await conn;
      const serverError = waitEvent(serverWs, 'error');
      const serverClose = waitEvent(serverWs, 'close');
      ws.send('0123456789');
      ws.send('0123456789A');
      const [code] = await once(ws, 'close');
      assert.equal(code, 1009);
      const [err] = await serverError;
      assert.equal(err.code, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
      const [serverCode] = await serverClose;
      assert.equal(serverCode, 1006);
    });

    it('clientTracking: clients holds open sockets and drops closed ones', async function () {
      const wss = await startServer();
      assert.ok(wss.clients instanceof Set);
      assert.equal(wss.clients.size, 0);

      const conn1 = nextConnection(wss);
      const a = client(wss.port);
      const [sa] = await conn1;
      const conn2 = nextConnection(wss);
      const b = client(wss.port);
      const [sb] = await conn2;
      await Promise.all([opened(a), opened(b)]);

      assert.equal(wss.clients.size, 2);
      assert.ok(wss.clients.has(sa));
      assert.ok(wss.clients.has(sb));

      const closed = waitEvent(sa, 'close');
      a.close();
      await closed;
      assert.equal(wss.clients.size, 1);
      assert.ok(!wss.clients.has(sa));

      const closedB = waitEvent(sb, 'close');
      b.terminate();
      await closedB;
      assert.equal(wss.clients.size, 0);
    });

    it('clientTracking: false leaves clients undefined', async function () {
      const wss = await startEchoServer({ clientTracking: false });
      const ws = client(wss.port);
      await opened(ws);
      assert.equal(wss.clients, undefined);
      await assertEchoes(ws, 'still works');
    });

    it('verifyClient (sync) rejecting → 401 Unauthorized', async function () {
      let info;
      const wss = await startServer({
        verifyClient(i) {
          info = i;
          return false;
        }
      });
      let connections = 0;
      wss.on('connection', () => connections++);

      const { res, conn } = await request(
        wss.port,
        upgradeRequest({ path: '/v', headers: { Origin: 'http://example.test' } })
      );
      track(conn);
      assert.equal(
        res.rawHead,
        'HTTP/1.1 401 Unauthorized\r\n' +
          'Connection: close\r\n' +
          'Content-Type: text/html\r\n' +
          'Content-Length: 12\r\n\r\n'
      );
      assert.equal(res.body, 'Unauthorized');
      await conn.closed;
      assert.equal(conn.gotEnd, true);
      assert.equal(connections, 0);

      assert.equal(info.origin, 'http://example.test');
      assert.equal(info.secure, false);
      assert.equal(info.req.url, '/v');
      assert.equal(info.req.headers.origin, 'http://example.test');
    });

    it('verifyClient (sync) accepting → connection', async function () {
      const wss = await startEchoServer({ verifyClient: () => true });
      const ws = client(wss.port);
      await opened(ws);
    });

    it('verifyClient (async) rejecting with code, message and headers', async function () {
      const wss = await startServer({
        verifyClient(info, cb) {
          setImmediate(() => cb(false, 403, 'Go away', { 'X-Reason': 'test' }));
        }
      });
      const { res, conn } = await request(wss.port, upgradeRequest());
      track(conn);
      assert.equal(
        res.rawHead,
        'HTTP/1.1 403 Forbidden\r\n' +
          'Connection: close\r\n' +
          'Content-Type: text/html\r\n' +
          'Content-Length: 7\r\n' +
          'X-Reason: test\r\n\r\n'
      );
      assert.equal(res.body, 'Go away');
      await conn.closed;
    });

    it('verifyClient (async) rejecting without a code → 401', async function () {
      const wss = await startServer({
        verifyClient: (info, cb) => process.nextTick(cb, false)
      });
      const res = await rejected(client(wss.port));
      assert.equal(res.status, 401);
      assert.equal(res.body, 'Unauthorized');
    });

    it('verifyClient (async) accepting → connection', async function () {
      const wss = await startEchoServer({
        verifyClient: (info, cb) => setImmediate(cb, true)
      });
      const ws = client(wss.port);
      await opened(ws);
      await assertEchoes(ws, 'hi');
    });

    it('handleProtocols: gets the offered set and req; its choice is used', async function () {
      let args;
      const wss = await startServer({
        handleProtocols(protocols, req) {
          args = { protocols, req };
          return 'b';
        }
      });
      const conn = nextConnection(wss);
      const ws2 = track(
        new WsClient(`ws://127.0.0.1:${wss.port}/p`, ['a', 'b', 'c'])
      );
      await opened(ws2);
      const [serverWs] = await conn;
      assert.equal(ws2.protocol, 'b');
      assert.equal(serverWs.protocol, 'b');
      assert.ok(args.protocols instanceof Set);
      assert.deepEqual([...args.protocols], ['a', 'b', 'c']);
      assert.equal(args.req.url, '/p');
    });

    it('handleProtocols: without it the first offered protocol is chosen', async function () {
      const wss = await startServer();
      const conn = nextConnection(wss);
      const ws = track(new WsClient(`ws://127.0.0.1:${wss.port}`, ['x', 'y']));
      await opened(ws);
      const [serverWs] = await conn;
      assert.equal(ws.protocol, 'x');
      assert.equal(serverWs.protocol, 'x');
    });

    it('handleProtocols: returning false sends no Sec-WebSocket-Protocol', async function () {
      const wss = await startServer({ handleProtocols: () => false });
      const key = 'dGhlIHNhbXBsZSBub25jZQ==';
      const conn = track(new RawHttp(wss.port));
      conn.write(upgradeRequest({ key, headers: { 'Sec-WebSocket-Protocol': 'a, b' } }));
      const res = await conn.response();
      assert.equal(res.status, 101);
      assert.equal(res.headers['sec-websocket-protocol'], undefined);
    });

    it('autoPong: true (default) answers pings with the same payload', async function () {
      const wss = await startServer();
      const ws = client(wss.port);
      await opened(ws);
      ws.ping('payload');
      const [data] = await once(ws, 'pong');
      assert.equal(data.toString(), 'payload');
    });

    it('autoPong: false emits ping but sends no pong', async function () {
      const wss = await startEchoServer({ autoPong: false });
      const conn = nextConnection(wss);
      const ws = client(wss.port);
      await opened(ws);
      const [serverWs] = await conn;
      const serverPing = waitEvent(serverWs, 'ping');
      let pongs = 0;
      ws.on('pong', () => pongs++);
      ws.ping('are you there');
      await assertEchoes(ws, 'after ping');
      const [pingData] = await serverPing;
      assert.equal(pingData.toString(), 'are you there');
      assert.equal(pongs, 0);
    });

    it('allowSynchronousEvents: false emits each message in its own tick', async function () {
      const wss = await startServer({ allowSynchronousEvents: false });
      const { raw, serverWs } = await rawClientOf(wss);
      const log = [];
      const done = new Promise((resolve) => {
        serverWs.on('message', (data) => {
          log.push(data.toString());
          process.nextTick(() => log.push(`tick ${data}`));
          if (log.length >= 5) resolve();
        });
      });
      await raw.write(
        Buffer.concat([
          frame({ opcode: 1, payload: 'a' }),
          frame({ opcode: 1, payload: 'b' }),
          frame({ opcode: 1, payload: 'c' })
        ])
      );
      await done;
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(log, ['a', 'tick a', 'b', 'tick b', 'c', 'tick c']);
    });

    it('allowSynchronousEvents: false answers a close frame after the messages before it were handled', async function () {
      // Message and close frame in one segment: the handler's reply still
      // goes out, before the close frame (ws emits the message, then
      // answers the close frame).
      const wss = await startServer({ allowSynchronousEvents: false });
      const { raw, serverWs } = await rawClientOf(wss);
      serverWs.on('message', (data, isBinary) => serverWs.send(data, { binary: isBinary }));
      const closed = waitEvent(serverWs, 'close');
      await raw.write(
        Buffer.concat([frame({ opcode: 1, payload: 'hi' }), frame({ opcode: 8, payload: closePayload(4000, 'bye') })])
      );
      const closeFrame = await raw.waitCloseFrame();
      assert.equal(closeFrame.code, 4000);
      assert.equal(closeFrame.reason, 'bye');
      assert.deepEqual(raw.messages.map((m) => m.text), ['hi']);
      const [code, reason] = await closed;
      assert.equal(code, 4000);
      assert.equal(reason.toString(), 'bye');
    });

    it('allowSynchronousEvents: false shows CLOSING to held-back messages once the peer ended', async function () {
      // Messages, close frame and FIN in one segment: the socket is gone
      // before the later 'message' events are emitted, and ws says CLOSING.
      const wss = await startServer({ allowSynchronousEvents: false });
      const conn = nextConnection(wss);
      const raw = track(await connect(wss.port, { allowHalfOpen: true }));
      raw.socket.on('error', () => {});
      const [serverWs] = await conn;
      const states = [];
      serverWs.on('message', (data) => states.push(`${data}:${serverWs.readyState}`));
      const closed = waitEvent(serverWs, 'close');
      const frames = [];
      for (let i = 0; i < 3; i++) frames.push(frame({ opcode: 1, payload: `m${i}` }));
      frames.push(frame({ opcode: 8, payload: closePayload(4000, 'bye') }));
      raw.socket.end(Buffer.concat(frames));
      const [code] = await closed;
      assert.equal(code, 4000);
      assert.equal(states.length, 3);
      assert.equal(states[2], 'm2:2');
    });

    it('allowSynchronousEvents: false closes on a protocol error after the messages before it were handled', async function () {
      // ws emits the message (its handler's reply goes out), then finds the
      // bad frame and closes with 1002.
      const wss = await startServer({ allowSynchronousEvents: false });
      const { raw, serverWs } = await rawClientOf(wss);
      raw.socket.on('error', () => {});
      const errors = [];
      serverWs.on('error', (err) => errors.push(err.code));
      serverWs.on('message', (data) => serverWs.send(`re:${data}`));
      const closed = waitEvent(serverWs, 'close');
      await raw.write(Buffer.concat([frame({ opcode: 1, payload: 'hi' }), frame({ opcode: 1, payload: 'x', rsv2: true })]));
      const closeFrame = await raw.waitCloseFrame();
      assert.equal(closeFrame.code, 1002);
      assert.deepEqual(raw.messages.map((m) => m.text), ['re:hi']);
      const [code] = await closed;
      assert.equal(code, 1006);
      assert.deepEqual(errors, ['WS_ERR_UNEXPECTED_RSV_2_3']);
    });

    it('allowSynchronousEvents: true (default) delivers a burst in order', async function () {
      const wss = await startServer();
      const { raw, serverWs } = await rawClientOf(wss);
      const got = [];
      const done = new Promise((resolve) => {
        serverWs.on('message', (data) => {
          got.push(data.toString());
          if (got.length === 50) resolve();
        });
      });
      const frames = [];
      for (let i = 0; i < 50; i++) frames.push(frame({ opcode: 1, payload: `m${i}` }));
      await raw.write(Buffer.concat(frames));
      await done;
      assert.deepEqual(got, Array.from({ length: 50 }, (_, i) => `m${i}`));
    });

    it('closeTimeout: destroys a socket whose peer ignores the close frame', async function () {
      const wss = await startServer({ closeTimeout: 100 });
      const { raw, serverWs } = await rawClientOf(wss);
      const closed = waitEvent(serverWs, 'close');
      const start = Date.now();
      serverWs.close(1001);
      const [code] = await closed;
      assert.equal(code, 1006);
      assert.ok(Date.now() - start >= 90);
      const closeFrame = await raw.waitCloseFrame();
      assert.equal(closeFrame.code, 1001);
    });

    it('WebSocket: connection gets an instance of the given subclass', async function () {
      class MyWebSocket extends WebSocket {
        hello() {
          return 'hello';
        }
      }
      const wss = await startServer({ WebSocket: MyWebSocket });
      const conn = nextConnection(wss);
      const ws = client(wss.port);
      await opened(ws);
      const [serverWs] = await conn;
      assert.ok(serverWs instanceof MyWebSocket);
      assert.ok(serverWs instanceof WebSocket);
      assert.equal(serverWs.hello(), 'hello');
      serverWs.send('from subclass');
      const [data] = await once(ws, 'message');
      assert.equal(data.toString(), 'from subclass');
    });
  });

  describe('events', function () {
    it('connection (ws, req) with the request details', async function () {
      const wss = await startServer();
      const conn = nextConnection(wss);
      const ws = client(wss.port, '/some/path?a=1&b=2', {
        headers: { 'X-Custom-Header': 'Value-42' }
      });
      await opened(ws);
      const [serverWs, req] = await conn;

      assert.ok(serverWs instanceof WebSocket);
      assert.equal(serverWs.readyState, WebSocket.OPEN);
      assert.equal(req.method, 'GET');
      assert.equal(req.url, '/some/path?a=1&b=2');
      assert.equal(req.httpVersion, '1.1');
      assert.equal(req.headers['x-custom-header'], 'Value-42');
      assert.equal(req.headers.upgrade, 'websocket');
      assert.equal(req.headers['sec-websocket-version'], '13');
      assert.equal(req.headers.host, `127.0.0.1:${wss.port}`);
      assert.ok(Array.isArray(req.rawHeaders));
      const i = req.rawHeaders.indexOf('X-Custom-Header');
      assert.ok(i !== -1 && i % 2 === 0, 'rawHeaders keeps the original case');
      assert.equal(req.rawHeaders[i + 1], 'Value-42');

      assert.equal(req.socket.remoteAddress, '127.0.0.1');
      assert.equal(req.socket.remoteFamily, 'IPv4');
      assert.equal(req.socket.remotePort, ws._socket.localPort);
    });

    it('connection (ws, req): repeated and empty headers, read in either order', async function () {
      const wss = await startServer();
      const head = (tag) =>
        upgradeRequest({ headers: { 'X-Tag': tag } }).replace(
          '\r\n\r\n',
          '\r\nX-Dup: a\r\nx-dup: b\r\nX-Empty:\r\nCookie: c1=1\r\nCookie: c2=2\r\nX-Last: \r\n\r\n'
        );
      const expectedRaw = (tag) => [
        'Host', '127.0.0.1', 'Upgrade', 'websocket', 'Connection', 'Upgrade',
        'Sec-WebSocket-Key', tag.key, 'Sec-WebSocket-Version', '13', 'X-Tag', tag.name,
        'X-Dup', 'a', 'x-dup', 'b', 'X-Empty', '', 'Cookie', 'c1=1', 'Cookie', 'c2=2', 'X-Last', ''
      ];
      const seen = [];
      wss.on('connection', (ws, req) => {
        // One request is asked for its parsed headers first, the other for the raw ones.
        if (req.headers['x-tag'] === 'headers-first') {
          seen.push({ headers: { ...req.headers }, distinct: { ...req.headersDistinct }, raw: req.rawHeaders });
        } else {
          const raw = req.rawHeaders;
          seen.push({ raw, headers: { ...req.headers }, distinct: { ...req.headersDistinct } });
        }
      });
      for (const name of ['headers-first', 'raw-first']) {
        const data = head(name);
        const key = /Sec-WebSocket-Key: (\S+)/.exec(data)[1];
        const { res, conn } = await request(wss.port, data);
        assert.equal(res.status, 101);
        conn.destroy();
        const got = seen[seen.length - 1];
        assert.deepEqual(got.raw, expectedRaw({ key, name }));
        assert.equal(got.headers['x-dup'], 'a, b');
        assert.equal(got.headers['x-empty'], '');
        assert.equal(got.headers.cookie, 'c1=1; c2=2');
        assert.equal(got.headers['x-last'], '');
        assert.deepEqual(got.distinct['x-dup'], ['a', 'b']);
        assert.deepEqual(got.distinct.cookie, ['c1=1', 'c2=2']);
      }
    });

    it('connection (ws, req): headers right even where Node reads them at once', async function () {
      const child = fork(path.join(__dirname, 'fixtures', 'eager-header-lines-server.js'), { stdio: 'ignore' });
      try {
        const [{ port }] = await once(child, 'message');
        const ws = client(port, '/', { headers: { 'X-Tag': 'eager' } });
        ws.on('error', () => {});
        const [seen] = await once(child, 'message');
        assert.equal(seen.tag, 'eager');
        const i = seen.raw.indexOf('X-Tag');
        assert.ok(i >= 0 && i % 2 === 0, 'X-Tag is a header name in rawHeaders');
        assert.equal(seen.raw[i + 1], 'eager');
        assert.ok(seen.raw.length >= 10 && seen.raw.length % 2 === 0);
      } finally {
        child.kill();
      }
    });

    it('headers (headers, req): mutations reach the client response', async function () {
      const wss = await startServer();
      let seen;
      wss.on('headers', (headers, req) => {
        seen = { headers: [...headers], url: req.url };
        headers.push('X-Added: yes');
        headers.push('Set-Cookie: a=b');
      });
      const ws = client(wss.port, '/h');
      const [res] = await once(ws, 'upgrade');
      await opened(ws);
      assert.equal(seen.url, '/h');
      assert.equal(seen.headers[0], 'HTTP/1.1 101 Switching Protocols');
      assert.ok(seen.headers.includes('Upgrade: websocket'));
      assert.ok(seen.headers.includes('Connection: Upgrade'));
      assert.ok(seen.headers.some((h) => h.startsWith('Sec-WebSocket-Accept: ')));
      assert.equal(res.headers['x-added'], 'yes');
      assert.deepEqual(res.headers['set-cookie'], ['a=b']);
    });

    it('wsClientError (err, socket, req): the listener writes its own response', async function () {
      const wss = await startServer();
      let args;
      wss.on('wsClientError', (err, socket, req) => {
        args = { err, req };
        socket.end('HTTP/1.1 418 I\'m a Teapot\r\nContent-Length: 3\r\n\r\ntea');
      });
      const { res, conn } = await request(
        wss.port,
        upgradeRequest({ path: '/t', headers: { Upgrade: 'nope' } })
      );
      track(conn);
      assert.equal(res.statusLine, 'HTTP/1.1 418 I\'m a Teapot');
      assert.equal(res.body, 'tea');
      assert.ok(args.err instanceof Error);
      assert.equal(args.err.message, 'Invalid Upgrade header');
      assert.equal(args.req.url, '/t');
      await conn.closed;
    });

    it('wsClientError messages for each handshake failure', async function () {
      const wss = await startServer();
      const messages = [];
      wss.on('wsClientError', (err, socket) => {
        messages.push(err.message);
        socket.destroy();
      });
      const cases = [
        upgradeRequest({ method: 'POST' }),
        upgradeRequest({ key: 'short' }),
        upgradeRequest({ version: 9 }),
        upgradeRequest({ headers: { 'Sec-WebSocket-Protocol': 'a,,b' } })
      ];
      for (const data of cases) {
        const c = track(new RawHttp(wss.port));
        c.write(data);
        await c.closed;
      }
      assert.deepEqual(messages, [
        'Invalid HTTP method',
        'Missing or invalid Sec-WebSocket-Key header',
        'Missing or invalid Sec-WebSocket-Version header',
        'Invalid Sec-WebSocket-Protocol header'
      ]);
    });

    it('close(cb): emits close and calls cb without an error', async function () {
      const wss = track(new WebSocketServer({ port: 0, host: '127.0.0.1' }));
      await once(wss, 'listening');
      let closeEvents = 0;
      wss.on('close', () => closeEvents++);
      const err = await new Promise((resolve) => wss.close(resolve));
      assert.equal(err, undefined);
      assert.equal(closeEvents, 1);
    });

    it('close(cb) on a closed server calls cb with "The server is not running"', async function () {
      const wss = track(new WebSocketServer({ port: 0, host: '127.0.0.1' }));
      await once(wss, 'listening');
      await new Promise((resolve) => wss.close(resolve));
      const err = await new Promise((resolve) => wss.close(resolve));
      assert.ok(err instanceof Error);
      assert.equal(err.message, 'The server is not running');
    });
  });

  describe('close()', function () {
    it('stops accepting but leaves existing clients open; close fires after they leave', async function () {
      const wss = await startEchoServer();
      const port = wss.port;
      const ws = client(port);
      await opened(ws);

      let clientClosing = false;
      const closedPromise = new Promise((resolve) => {
        wss.close((err) => {
          assert.equal(err, undefined);
          assert.equal(clientClosing, true, 'close emitted while a client was open');
          resolve();
        });
      });

      // The existing connection still works.
      await assertEchoes(ws, 'still here');
      assert.equal(ws.readyState, WsClient.OPEN);

      // New connections are refused.
      const late = track(new WsClient(`ws://127.0.0.1:${port}`));
      const [err] = await once(late, 'error');
      assert.equal(err.code, 'ECONNREFUSED');

      clientClosing = true;
      ws.close(1000);
      await closedPromise;
      const [code] = await once(ws, 'close');
      assert.equal(code, 1000);
    });

    it('address() reports the bound address', async function () {
      const wss = await startServer();
      const addr = wss.address();
      assert.deepEqual(addr, { address: '127.0.0.1', family: 'IPv4', port: wss.port });
    });
  });

  describe('shouldHandle()', function () {
    it('is used to accept or reject requests when overridden', async function () {
      class Picky extends WebSocketServer {
        shouldHandle(req) {
          return req.url.startsWith('/ok');
        }
      }
      const wss = await startServer({}, Picky);
      const ok = client(wss.port, '/ok/1');
      await opened(ok);
      const res = await rejected(client(wss.port, '/nope'));
      assert.equal(res.status, 400);
      assert.equal(res.body, 'Bad Request');
    });

    it('default implementation compares the pathname with options.path', async function () {
      const wss = await startServer({ path: '/p' });
      assert.equal(wss.shouldHandle({ url: '/p' }), true);
      assert.equal(wss.shouldHandle({ url: '/p?q=1' }), true);
      assert.equal(wss.shouldHandle({ url: '/q' }), false);
      const any = await startServer();
      assert.equal(any.shouldHandle({ url: '/whatever' }), true);
    });
  });
});
