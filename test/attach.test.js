'use strict';

//
// Attaching to servers Node opened: the `server` option (http and https),
// `noServer` with `handleUpgrade`/`completeUpgrade`/`shouldHandle`, and
// sockets that are not TCP at all. Node's HTTP parser reads the request;
// ws's checks decide it on Node's socket; after the 101 the connection
// belongs to the WebSocket (for uws: its fd adopted by the native core, or,
// for TLS and other streams, fed to it). Runs against ws too
// (UWS_TEST_MODULE=ws); the few checks of uws internals are guarded with
// `isUws`.
//

const assert = require('assert/strict');
const http = require('http');
const net = require('net');
const path = require('path');
const tls = require('tls');
const { once } = require('events');
const { Duplex } = require('stream');
const { Worker } = require('worker_threads');

const WsClient = require('ws');
const { WebSocketServer, isUws } = require('./helpers/module-under-test');
const {
  cleanupAttach,
  createWss,
  startHttpServer
} = require('./helpers/attach');
const { duplexPair } = require('./helpers/duplex-pair');
const { frame } = require('./helpers/frames');
const { acceptFor, makeKey, parseHead, upgradeRequest } = require('./helpers/http-raw');
const { connect } = require('./helpers/raw-client');
const { tlsFixture } = require('./helpers/tls-fixture');
const { cleanup, opened, track, waitEvent } = require('./helpers/server');

/** A ws client to `url`, tracked for cleanup. */
function client(url, options) {
  const ws = track(new WsClient(url, options));
  ws.on('error', () => {});
  return ws;
}

/** Opens a client, sends `text`, resolves with the echo. */
async function echoOnce(url, text, options) {
  const ws = client(url, options);
  await opened(ws);
  ws.send(text);
  const [data, isBinary] = await once(ws, 'message');
  assert.equal(isBinary, false);
  ws.close();
  return data.toString();
}

function echoMessages(wss) {
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
}

/**
 * Sends raw bytes on a fresh TCP (or, with `secure`, TLS) connection and
 * resolves with the whole HTTP response (until the server closes), parsed.
 */
function rawRequest(port, data, { secure = false } = {}) {
  return new Promise((resolve, reject) => {
    const socket = secure
      ? tls.connect({ host: '127.0.0.1', port, ca: tlsFixture.cert })
      : net.connect({ host: '127.0.0.1', port });
    track(socket);
    const chunks = [];
    socket.on(secure ? 'secureConnect' : 'connect', () => socket.write(data));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const buf = Buffer.concat(chunks);
      const head = parseHead(buf);
      resolve(head && { ...head, body: buf.subarray(head.headLength).toString() });
    });
  });
}

/** Resolves with the server's response to an upgrade request from a ws client that failed. */
async function rejectedUpgrade(url, options) {
  const ws = client(url, options);
  const [, res] = await waitEvent(ws, 'unexpected-response');
  const body = await new Promise((resolve) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => (text += chunk));
    res.on('end', () => resolve(text));
  });
  return { status: res.statusCode, headers: res.headers, body };
}

/** A masked text frame. */
function text(payload) {
  return frame({ opcode: 1, payload });
}

describe('attaching to Node servers', function () {
  afterEach(async function () {
    await cleanup();
    await cleanupAttach();
  });

  describe('the server option (http.Server)', function () {
    it('echoes messages and re-emits "listening"', async function () {
      const server = http.createServer();
      const wss = createWss({ server });
      echoMessages(wss);
      const listening = once(wss, 'listening');
      server.listen(0, '127.0.0.1');
      await listening;
      track({ close: () => server.close() });

      assert.deepEqual(wss.address(), server.address());
      assert.equal(await echoOnce(`ws://127.0.0.1:${server.address().port}`, 'hi'), 'hi');
      server.close();
    });

    it('re-emits the http server\'s "error"', async function () {
      const server = http.createServer();
      const wss = createWss({ server });
      const boom = new Error('boom');
      const errored = waitEvent(wss, 'error');
      server.emit('error', boom);
      assert.equal((await errored)[0], boom);
    });

    it('leaves non-upgrade requests to the http server\'s own handler', async function () {
      const server = await startHttpServer({
        handler: (req, res) => {
          const body = `plain ${req.method} ${req.url}`;
          res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length, Connection: 'close' });
          res.end(body);
        }
      });
      const wss = createWss({ server });
      echoMessages(wss);

      const res = await rawRequest(server.port, 'GET /page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      assert.equal(res.status, 200);
      assert.equal(res.body, 'plain GET /page');

      // The same port upgrades WebSocket requests.
      assert.equal(await echoOnce(`ws://127.0.0.1:${server.port}/chat`, 'same port'), 'same port');
    });

    it('hands over the request as Node parsed it, with the socket addresses', async function () {
      const server = await startHttpServer();
      const wss = createWss({ server });
      const connection = waitEvent(wss, 'connection');
      const ws = client(`ws://127.0.0.1:${server.port}/a/b?x=1`, { headers: { 'X-Custom': 'yes' } });
      const [serverWs, req] = await connection;
      await opened(ws);

      assert.ok(req instanceof http.IncomingMessage);
      assert.equal(req.url, '/a/b?x=1');
      assert.equal(req.headers['x-custom'], 'yes');
      assert.equal(req.socket.remoteAddress, '127.0.0.1');
      assert.equal(req.socket.remotePort, ws._socket.localPort);
      assert.equal(serverWs._socket.remoteAddress, '127.0.0.1');
      assert.equal(serverWs._socket.remotePort, ws._socket.localPort);
      assert.equal(serverWs._socket.remoteFamily, 'IPv4');
      assert.equal(serverWs._socket.localAddress, '127.0.0.1');
      assert.equal(serverWs._socket.localPort, server.port);
      assert.equal(serverWs.readyState, WsClient.OPEN);
      assert.deepEqual([...wss.clients], [serverWs]);
      if (isUws) {
        // Adopted: the core polls a duplicate of the fd; Node's socket is gone.
        assert.equal(serverWs._transport, null);
        assert.equal(req.socket.destroyed, true);
      }
    });

    it('answers 400 to a path it does not serve', async function () {
      const server = await startHttpServer();
      createWss({ server, path: '/ws' });

      const res = await rejectedUpgrade(`ws://127.0.0.1:${server.port}/other`);
      assert.equal(res.status, 400);
      assert.equal(res.body, 'Bad Request');
      assert.equal(res.headers.connection, 'close');
      assert.equal(res.headers['content-type'], 'text/html');

      const ws = client(`ws://127.0.0.1:${server.port}/ws?q=1`);
      await opened(ws);
    });

    it('two servers with different paths: the first rejects the other\'s path (as ws does)', async function () {
      const server = await startHttpServer();
      const first = createWss({ server, path: '/first' });
      const second = createWss({ server, path: '/second' });
      echoMessages(first);
      echoMessages(second);

      // Node calls the first server's 'upgrade' listener first: it answers
      // 400 to '/second', and the second server finds the socket ended.
      const res = await rejectedUpgrade(`ws://127.0.0.1:${server.port}/second`);
      assert.equal(res.status, 400);
      assert.equal(second.clients.size, 0);
    });

    it('routes by URL with noServer servers (the documented way to share a port)', async function () {
      const server = await startHttpServer();
      const chat = createWss({ noServer: true });
      const feed = createWss({ noServer: true });
      chat.on('connection', (ws) => ws.on('message', (data) => ws.send(`chat:${data}`)));
      feed.on('connection', (ws) => ws.on('message', (data) => ws.send(`feed:${data}`)));
      server.on('upgrade', (req, socket, head) => {
        const { pathname } = new URL(req.url, 'http://x');
        const target = pathname === '/chat' ? chat : pathname === '/feed' ? feed : null;
        if (target === null) {
          socket.destroy();
          return;
        }
        target.handleUpgrade(req, socket, head, (ws) => target.emit('connection', ws, req));
      });

      assert.equal(await echoOnce(`ws://127.0.0.1:${server.port}/chat`, 'a'), 'chat:a');
      assert.equal(await echoOnce(`ws://127.0.0.1:${server.port}/feed`, 'b'), 'feed:b');
    });

    it('emits "headers" with the response lines and req; added headers reach the client', async function () {
      const server = await startHttpServer();
      const wss = createWss({ server });
      let seen;
      wss.on('headers', (headers, req) => {
        seen = { lines: headers.slice(), req, headers };
        headers.push('Set-Cookie: io=abc123; Path=/');
      });
      const connection = waitEvent(wss, 'connection');

      const key = makeKey();
      const ws = client(`ws://127.0.0.1:${server.port}/eio`, ['p1']);
      const [res] = await waitEvent(ws, 'upgrade');
      const [, req] = await connection;

      assert.equal(seen.req, req);
      assert.equal(seen.lines[0], 'HTTP/1.1 101 Switching Protocols');
      assert.deepEqual(seen.lines.slice(1, 3), ['Upgrade: websocket', 'Connection: Upgrade']);
      assert.equal(seen.lines[3], `Sec-WebSocket-Accept: ${acceptFor(req.headers['sec-websocket-key'])}`);
      assert.equal(seen.lines[4], 'Sec-WebSocket-Protocol: p1');
      assert.notEqual(key, req.headers['sec-websocket-key']);
      assert.equal(res.headers['set-cookie'][0], 'io=abc123; Path=/');
    });
  });

  describe('the closing handshake on a socket taken over from Node', function () {
    // ws half-closes and waits for the peer's FIN (or closeTimeout); uws
    // owns the plain-TCP socket after the takeover and closes it as soon
    // as the closing handshake is done (README, "Differences").
    for (const mode of ['server', 'noServer']) {
      it(`${mode}: a peer that sends its close frame but not its FIN`, async function () {
        const server = await startHttpServer();
        const wss = createWss(mode === 'server' ? { server, closeTimeout: 1000 } : { noServer: true, closeTimeout: 1000 });
        if (mode === 'noServer') {
          server.on('upgrade', (req, socket, head) => {
            wss.handleUpgrade(req, socket, head, (ws, request) => wss.emit('connection', ws, request));
          });
        }
        const connection = once(wss, 'connection');
        const client = track(await connect(server.port, { allowHalfOpen: true }));
        const [ws] = await connection;
        const closed = once(ws, 'close');
        const start = Date.now();
        await client.sendClose(1000, 'bye');
        assert.equal((await client.waitCloseFrame()).code, 1000);
        const [code, reason] = await closed;
        const elapsed = Date.now() - start;
        assert.equal(code, 1000);
        assert.equal(reason.toString(), 'bye');
        if (isUws) assert.ok(elapsed < 900, `'close' after ${elapsed} ms, expected at once`);
        else assert.ok(elapsed >= 900, `'close' after ${elapsed} ms, expected closeTimeout`);
      });
    }
  });

  describe('handleUpgrade (noServer)', function () {
    /** An http server whose upgrades go to `wss.handleUpgrade`, then to 'connection'. */
    async function attachNoServer(options = {}) {
      const server = await startHttpServer();
      const wss = createWss({ noServer: true, ...options });
      server.on('upgrade', (req, socket, head) => {
        wss.handleUpgrade(req, socket, head, (ws, request) => wss.emit('connection', ws, request));
      });
      return { server, wss, url: `ws://127.0.0.1:${server.port}` };
    }

    it('has no address and accepts with a sync verifyClient', async function () {
      const calls = [];
      const { wss, url } = await attachNoServer({
        verifyClient: (info) => {
          calls.push(info);
          return info.req.url === '/ok';
        }
      });
      echoMessages(wss);
      assert.throws(() => wss.address(), /The server is operating in "noServer" mode/);

      assert.equal(await echoOnce(`${url}/ok`, 'sync'), 'sync');
      const res = await rejectedUpgrade(`${url}/no`);
      assert.equal(res.status, 401);
      assert.equal(res.body, 'Unauthorized');
      assert.equal(calls.length, 2);
      assert.equal(calls[0].secure, false);
      assert.equal(calls[0].origin, undefined);
    });

    it('passes origin (Sec-WebSocket-Origin for version 8) to verifyClient', async function () {
      const origins = [];
      const { url } = await attachNoServer({
        verifyClient: (info) => {
          origins.push(info.origin);
          return true;
        }
      });
      const ws = client(url, { origin: 'https://example.com' });
      await opened(ws);
      const ws8 = client(url, { origin: 'https://eight.example', protocolVersion: 8 });
      await opened(ws8);
      assert.deepEqual(origins, ['https://example.com', 'https://eight.example']);
    });

    it('waits for an async verifyClient, and rejects with its code, message and headers', async function () {
      const { wss, url } = await attachNoServer({
        verifyClient: (info, done) => {
          setTimeout(() => {
            if (info.req.url === '/ok') done(true);
            else done(false, 403, 'Go away', { 'X-Reason': 'test' });
          }, 20);
        }
      });
      echoMessages(wss);

      assert.equal(await echoOnce(`${url}/ok`, 'async'), 'async');
      const res = await rejectedUpgrade(`${url}/no`);
      assert.equal(res.status, 403);
      assert.equal(res.body, 'Go away');
      assert.equal(res.headers['x-reason'], 'test');
      assert.equal(res.headers['content-length'], '7');
    });

    it('rejects invalid requests with ws\'s codes and messages, in ws\'s order', async function () {
      const { server } = await attachNoServer();
      const cases = [
        [{ method: 'POST', headers: { Upgrade: 'foo' } }, 405, 'Invalid HTTP method'],
        [{ headers: { Upgrade: 'foo' } }, 400, 'Invalid Upgrade header'],
        [{ headers: { 'Sec-WebSocket-Key': 'short', 'Sec-WebSocket-Version': 'x' } }, 400, 'Missing or invalid Sec-WebSocket-Key header'],
        [{ version: 12 }, 400, 'Missing or invalid Sec-WebSocket-Version header'],
        [{ headers: { 'Sec-WebSocket-Protocol': 'a,,b' } }, 400, 'Invalid Sec-WebSocket-Protocol header']
      ];

      for (const [request, status, message] of cases) {
        const res = await rawRequest(server.port, upgradeRequest(request));
        assert.equal(res.status, status, message);
        assert.equal(res.body, message);
        assert.equal(res.headers.connection, 'close');
        assert.equal(res.headers['content-type'], 'text/html');
        assert.equal(res.headers['content-length'], String(message.length));
        assert.equal(res.headers['sec-websocket-version'], status === 400 && /Version/.test(message) ? '13, 8' : undefined);
      }
    });

    it('gives invalid requests to "wsClientError" listeners instead', async function () {
      const { server, wss } = await attachNoServer();
      const errors = [];
      wss.on('wsClientError', (err, socket, req) => {
        errors.push({ message: err.message, req, socket });
        socket.end('HTTP/1.1 418 I\'m a Teapot\r\nConnection: close\r\nContent-Length: 3\r\n\r\ntea');
      });

      const res = await rawRequest(server.port, upgradeRequest({ version: 7 }));
      assert.equal(res.status, 418);
      assert.equal(res.body, 'tea');
      assert.equal(errors.length, 1);
      assert.equal(errors[0].message, 'Missing or invalid Sec-WebSocket-Version header');
      assert.ok(errors[0].req instanceof http.IncomingMessage);
      assert.equal(errors[0].socket, errors[0].req.socket);
    });

    it('uses shouldHandle (overridable) before verifyClient', async function () {
      class Routed extends WebSocketServer {
        shouldHandle(req) {
          return req.url.startsWith('/yes');
        }
      }
      const server = await startHttpServer();
      const wss = new Routed({ noServer: true, verifyClient: () => assert.fail('not reached') });
      track({ close: () => wss.close() });
      server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, () => assert.fail('no')));
      const res = await rawRequest(server.port, upgradeRequest({ path: '/no' }));
      assert.equal(res.status, 400);
      assert.equal(res.body, 'Bad Request');
    });

    it('throws when handleUpgrade() is called twice with the same socket', async function () {
      const server = await startHttpServer();
      const first = createWss({ noServer: true });
      const second = createWss({ noServer: true });
      const thrown = new Promise((resolve) => {
        server.on('upgrade', (req, socket, head) => {
          first.handleUpgrade(req, socket, head, (ws) => first.emit('connection', ws, req));
          try {
            second.handleUpgrade(req, socket, head, () => assert.fail('no second WebSocket'));
            resolve(null);
          } catch (err) {
            resolve(err);
          }
        });
      });
      const ws = client(`ws://127.0.0.1:${server.port}`);
      const err = await thrown;
      assert.ok(err instanceof Error);
      assert.equal(
        err.message,
        'server.handleUpgrade() was called more than once with the same socket, possibly due to a misconfiguration'
      );
      await opened(ws);
      assert.equal(first.clients.size, 1);
      assert.equal(second.clients.size, 0);
    });

    it('answers 503 to an upgrade completed after close()', async function () {
      let wss;
      const closed = [];
      const attached = await attachNoServer({
        verifyClient: (info, done) => {
          wss.close(() => closed.push('close'));
          setImmediate(done, true);
        }
      });
      wss = attached.wss;
      const res = await rejectedUpgrade(attached.url);
      assert.equal(res.status, 503);
      assert.equal(res.body, 'Service Unavailable');
      assert.deepEqual(closed, ['close']);
    });

    it('completeUpgrade() can be called directly with the key and chosen protocols', async function () {
      const server = await startHttpServer();
      const wss = createWss({ noServer: true });
      echoMessages(wss);
      server.on('upgrade', (req, socket, head) => {
        const key = req.headers['sec-websocket-key'];
        wss.completeUpgrade({}, key, new Set(['b', 'c']), req, socket, head, (ws) => wss.emit('connection', ws, req));
      });
      const connection = waitEvent(wss, 'connection');
      const ws = client(`ws://127.0.0.1:${server.port}`, ['a', 'b']);
      await opened(ws);
      const [serverWs] = await connection;
      assert.equal(ws.protocol, 'b');
      assert.equal(serverWs.protocol, 'b');
      const echoed = once(ws, 'message');
      ws.send('direct');
      assert.equal((await echoed)[0].toString(), 'direct');
    });

    it('destroys a socket the client already ended (no 101 is written)', async function () {
      const server = await startHttpServer();
      const wss = createWss({ noServer: true });
      const finished = new Promise((resolve) => {
        server.on('upgrade', (req, socket, head) => {
          socket.once('end', () => {
            wss.handleUpgrade(req, socket, head, () => assert.fail('no WebSocket'));
            resolve(socket.destroyed);
          });
          socket.resume();
        });
      });
      const res = await new Promise((resolve) => {
        const socket = track(net.connect(server.port, '127.0.0.1'));
        const chunks = [];
        socket.on('data', (c) => chunks.push(c));
        socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
        socket.end(upgradeRequest());
      });
      assert.equal(await finished, true);
      assert.equal(res, '');
    });
  });

  describe('bytes sent behind the upgrade request', function () {
    /**
     * Writes the upgrade request and the first frames in one TCP write,
     * then more frames (over 300 KB, more than Node buffers before it stops
     * reading) while the server still decides; resolves with everything the
     * WebSocket received, in order.
     */
    async function sendAll(port, { secure = false, count = 40 } = {}) {
      const socket = secure
        ? tls.connect({ host: '127.0.0.1', port, ca: tlsFixture.cert })
        : net.connect({ host: '127.0.0.1', port });
      track(socket);
      socket.on('error', () => {});
      await once(socket, secure ? 'secureConnect' : 'connect');

      const expected = [];
      const frameOf = (i) => {
        const payload = `${i}:${'x'.repeat(i % 3 === 0 ? 16 * 1024 : i)}`;
        expected.push(payload);
        return text(payload);
      };

      socket.write(Buffer.concat([Buffer.from(upgradeRequest()), frameOf(0), frameOf(1), frameOf(2)]));
      for (let i = 3; i < count; i++) socket.write(frameOf(i));
      return { socket, expected };
    }

    function collect(wss, count) {
      return new Promise((resolve) => {
        wss.on('connection', (ws) => {
          const got = [];
          ws.on('message', (data) => {
            got.push(data.toString());
            if (got.length === count) resolve(got);
          });
        });
      });
    }

    it('all arrive, around an async verifyClient (server option, plain TCP)', async function () {
      const server = await startHttpServer();
      let bufferedWhileVerifying = -1;
      const wss = createWss({
        server,
        verifyClient: (info, done) =>
          setTimeout(() => {
            bufferedWhileVerifying = info.req.socket.readableLength;
            done(true);
          }, 50)
      });
      const received = collect(wss, 40);
      const { expected } = await sendAll(server.port);
      assert.deepEqual(await received, expected);
      // Node had read some of them into the socket while verifyClient waited.
      assert.ok(bufferedWhileVerifying > 0, `buffered ${bufferedWhileVerifying}`);
    });

    it('all arrive when handleUpgrade itself is called later (noServer)', async function () {
      const server = await startHttpServer();
      const wss = createWss({ noServer: true });
      server.on('upgrade', (req, socket, head) => {
        setTimeout(() => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)), 50);
      });
      const received = collect(wss, 40);
      const { expected } = await sendAll(server.port);
      assert.deepEqual(await received, expected);
    });

    it('all arrive over TLS (https.Server), around an async verifyClient', async function () {
      const server = await startHttpServer({ tls: true });
      const wss = createWss({ server, verifyClient: (info, done) => setTimeout(done, 50, true) });
      const received = collect(wss, 40);
      const { expected } = await sendAll(server.port, { secure: true });
      assert.deepEqual(await received, expected);
    });
  });

  describe('https.Server (the fed transport)', function () {
    it('echoes text and large binary messages, with info.secure', async function () {
      const server = await startHttpServer({ tls: true });
      const secure = [];
      const wss = createWss({
        server,
        verifyClient: (info) => {
          secure.push(info.secure);
          return true;
        }
      });
      echoMessages(wss);
      const connection = waitEvent(wss, 'connection');

      const ws = client(`wss://127.0.0.1:${server.port}/tls`, { ca: tlsFixture.cert });
      await opened(ws);
      const [serverWs, req] = await connection;
      assert.deepEqual(secure, [true]);
      assert.equal(req.socket.encrypted, true);
      // Fed: the TLS socket stays and carries the bytes.
      if (isUws) assert.equal(serverWs._transport.stream, req.socket);
      assert.equal(serverWs._socket.remoteAddress, '127.0.0.1');
      assert.equal(serverWs._socket.remotePort, ws._socket.localPort);

      const big = Buffer.alloc(3 * 1024 * 1024, 7);
      ws.send('over tls');
      ws.send(big);
      const [first] = await once(ws, 'message');
      const [second, isBinary] = await once(ws, 'message');
      assert.equal(first.toString(), 'over tls');
      assert.equal(isBinary, true);
      assert.ok(second.equals(big));

      ws.close(4000, 'bye');
      const [code, reason] = await once(serverWs, 'close');
      assert.equal(code, 4000);
      assert.equal(reason.toString(), 'bye');
    });

    it('counts the TLS stream\'s unsent bytes in bufferedAmount and pauses the stream', async function () {
      const server = await startHttpServer({ tls: true });
      const wss = createWss({ server });
      const connection = waitEvent(wss, 'connection');
      const ws = client(`wss://127.0.0.1:${server.port}`, { ca: tlsFixture.cert });
      await opened(ws);
      const [serverWs] = await connection;

      // The client stops reading: what the server sends piles up.
      ws._socket.pause();
      const chunk = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < 8; i++) serverWs.send(chunk);
      assert.ok(serverWs.bufferedAmount > 1024 * 1024, `bufferedAmount ${serverWs.bufferedAmount}`);

      serverWs.pause();
      assert.equal(serverWs.isPaused, true);
      const messages = [];
      serverWs.on('message', (data) => messages.push(data.toString()));
      ws.send('while paused');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(messages, []);
      serverWs.resume();
      await once(serverWs, 'message');
      assert.deepEqual(messages, ['while paused']);
    });
  });

  describe('any Duplex (test double, fed transport)', function () {
    it('runs a WebSocket over an in-memory stream pair', async function () {
      const server = http.createServer();
      const wss = createWss({ noServer: true });
      echoMessages(wss);
      let serverSocket;
      server.on('upgrade', (req, socket, head) => {
        serverSocket = socket;
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      });

      const [clientSide, serverSide] = duplexPair();
      track({ destroy: () => clientSide.destroy() });
      // Node's HTTP server parses requests from any Duplex given to it.
      server.emit('connection', serverSide);

      const connection = waitEvent(wss, 'connection');
      const ws = client('ws://in-memory.test/pair', { createConnection: () => clientSide });
      await opened(ws);
      const [serverWs, req] = await connection;
      assert.equal(serverSocket, serverSide);
      assert.equal(req.url, '/pair');
      assert.equal(serverWs._socket.remoteAddress, undefined);
      if (isUws) assert.equal(serverWs._transport.stream, serverSide);

      // The pair delivers synchronously: listen before sending.
      const echoed = once(ws, 'message');
      ws.send('in memory');
      const [data] = await echoed;
      assert.equal(data.toString(), 'in memory');

      const clientClosed = once(ws, 'close');
      ws.close(1000, 'done');
      const [code, reason] = await once(serverWs, 'close');
      assert.equal(code, 1000);
      assert.equal(reason.toString(), 'done');
      await clientClosed;
    });

    it('closes the WebSocket when the stream is destroyed', async function () {
      const server = http.createServer();
      const wss = createWss({ noServer: true });
      server.on('upgrade', (req, socket, head) => {
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      });
      const [clientSide, serverSide] = duplexPair();
      server.emit('connection', serverSide);
      const connection = waitEvent(wss, 'connection');
      const ws = client('ws://in-memory.test/', { createConnection: () => clientSide });
      await opened(ws);
      const [serverWs] = await connection;

      serverSide.destroy();
      const [code] = await once(serverWs, 'close');
      assert.equal(code, 1006);
      assert.equal(wss.clients.size, 0);
    });

    /**
     * A server WebSocket over a Duplex (a fed connection) whose `write()`
     * and `final()` run `hooks.write(chunk, n, serverWs)` (n: 1 for the
     * 101) and `hooks.final()` with the stream as `this`. Resolves, once
     * connected, with the server's events so far, `eventCount(n)` (resolves
     * once there are n), the stream (to push the peer's frames) and the
     * socket. The stream is destroyed when the test ends.
     */
    async function fedServerSocket(hooks) {
      const server = http.createServer();
      const wss = createWss({ noServer: true, closeTimeout: 200 });
      const events = [];
      const waiting = [];
      const record = (event) => {
        events.push(event);
        for (const waiter of waiting.splice(0)) {
          if (events.length >= waiter.count) waiter.resolve();
          else waiting.push(waiter);
        }
      };
      const eventCount = (count) =>
        events.length >= count ? Promise.resolve() : new Promise((resolve) => waiting.push({ count, resolve }));
      let writes = 0;
      let serverWs = null;
      const stream = new Duplex({
        read() {},
        write(chunk, encoding, callback) {
          if (hooks.write) hooks.write.call(this, chunk, ++writes, serverWs);
          callback();
        },
        final(callback) {
          if (hooks.final) hooks.final.call(this);
          callback();
        }
      });
      const connected = new Promise((resolve) => {
        server.on('upgrade', (req, socket, head) => {
          wss.handleUpgrade(req, socket, head, (ws) => {
            serverWs = ws;
            record('connection');
            ws.on('message', (data) => {
              record(`message ${data}`);
              if (hooks.echo) ws.send('echo');
            });
            ws.on('ping', () => record('ping'));
            ws.on('close', (code) => record(`close ${code}`));
            ws.on('error', (err) => record(`error ${err.message}`));
            resolve(ws);
          });
        });
      });
      track({ destroy: () => stream.destroy() });
      server.emit('connection', stream);
      stream.push(upgradeRequest());
      const ws = await connected;
      return { wss, events, eventCount, stream, ws };
    }

    /** `fedServerSocket` whose stream emits 'close' inside its `closeOn`-th write, or inside `end()` ('final'). */
    function closingInsideWrite(closeOn) {
      return fedServerSocket({
        echo: true,
        write(chunk, n) {
          if (n === closeOn) this.emit('close');
        },
        final() {
          if (closeOn === 'final') this.emit('close');
        }
      });
    }

    // A stream that closes while it takes one of our writes: the code that
    // wrote carries on with the connection, and the close comes after, as
    // in ws (uws crashed on a ping's pong write, and on the 101).
    const closingCases = [
      ['inside the pong write: "ping", then "close" 1006', 2, { opcode: 9, payload: 'hi' }, ['ping', 'close 1006']],
      ['inside the close reply: "close" with the peer\'s code', 2, { opcode: 8, payload: Buffer.from([0x03, 0xe8]) }, ['close 1000']],
      ['inside end() after the close reply: "close" with the peer\'s code', 'final', { opcode: 8, payload: Buffer.from([0x0f, 0xa0]) }, ['close 4000']],
      ['inside a send from "message": the message, then "close" 1006', 2, { opcode: 1, payload: 'hi' }, ['message hi', 'close 1006']]
    ];
    for (const [title, closeOn, peerFrame, expected] of closingCases) {
      it(`a stream closing ${title}`, async function () {
        const { events, stream, ws } = await closingInsideWrite(closeOn);
        stream.push(frame(peerFrame));
        await once(ws, 'close');
        assert.deepEqual(events, ['connection', ...expected]);
      });
    }

    // A stream that answers inside our write to it (an in-memory peer):
    // what it delivers is parsed after the code that wrote, as in ws.
    it('frames the stream delivers inside the 101 write come after "connection"', async function () {
      const { events, eventCount } = await fedServerSocket({
        write(chunk, n) {
          if (n === 1) this.push(frame({ payload: 'early' }));
        }
      });
      await eventCount(2);
      assert.deepEqual(events, ['connection', 'message early']);
    });

    it('a bad frame delivered inside the 101 write is an "error" after "connection"', async function () {
      const { events, eventCount } = await fedServerSocket({
        write(chunk, n) {
          if (n === 1) this.push(frame({ opcode: 3 }));
        }
      });
      await eventCount(3);
      assert.deepEqual(events, ['connection', 'error Invalid WebSocket frame: invalid opcode 3', 'close 1006']);
    });

    it('frames delivered inside the pong write are parsed after the rest of the chunk', async function () {
      const { events, eventCount, stream } = await fedServerSocket({
        write(chunk) {
          if (chunk[0] === 0x8a) this.push(frame({ payload: 'third' }));
        }
      });
      stream.push(Buffer.concat([
        frame({ payload: 'fir', fin: false }),
        frame({ opcode: 0, payload: 'st' }),
        frame({ payload: 'sec', fin: false }),
        frame({ opcode: 9 }),
        frame({ opcode: 0, payload: 'ond' })
      ]));
      await eventCount(5);
      assert.deepEqual(events, ['connection', 'message first', 'ping', 'message second', 'message third']);
    });

    it('terminate() inside the stream write of the automatic pong: no exception, "close" 1006', async function () {
      const { events, stream, ws } = await fedServerSocket({
        write(chunk, n, serverWs) {
          if (chunk[0] === 0x8a) serverWs.terminate();
        }
      });
      const closed = once(ws, 'close');
      stream.push(frame({ opcode: 9 }));
      await closed;
      // ws emits 'ping' before 'close' here; uws may leave it out (the
      // connection is gone when the ping would be reported).
      assert.deepEqual(events.filter((event) => event !== 'ping'), ['connection', 'close 1006']);
    });

    // ws emits 'connection' for such a socket too, but its WebSocket then
    // never closes; uws closes it (1006) on the next turn.
    (isUws ? it : it.skip)('a stream closing inside the 101 write: "connection", then "close" 1006', async function () {
      const { wss, events, ws } = await closingInsideWrite(1);
      await once(ws, 'close');
      assert.deepEqual(events, ['connection', 'close 1006']);
      assert.equal(wss.clients.size, 0);
      await new Promise((resolve) => wss.close(resolve));
    });
  });

  describe('close()', function () {
    it('neither closes the http server nor terminates clients; "close" waits for them', async function () {
      const server = await startHttpServer({ handler: (req, res) => res.end('still here') });
      const wss = createWss({ server });
      echoMessages(wss);
      const a = client(`ws://127.0.0.1:${server.port}`);
      const b = client(`ws://127.0.0.1:${server.port}`);
      await Promise.all([opened(a), opened(b)]);

      const events = [];
      wss.close(() => events.push('wss close'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(events, []);
      assert.equal(server.listening, true);
      assert.equal(wss.address(), null);

      // The clients still talk; the http server still answers.
      a.send('open?');
      assert.equal((await once(a, 'message'))[0].toString(), 'open?');
      const res = await rawRequest(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      assert.equal(res.body, 'still here');

      a.close();
      await once(a, 'close');
      assert.deepEqual(events, []);
      b.close();
      await once(b, 'close');
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(events, ['wss close']);
      assert.equal(wss.clients.size, 0);

      wss.close((err) => events.push(err.message));
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(events, ['wss close', 'The server is not running']);
    });

    it('emits "close" at once without clientTracking', async function () {
      const server = await startHttpServer();
      const wss = createWss({ server, clientTracking: false });
      const ws = client(`ws://127.0.0.1:${server.port}`);
      await opened(ws);
      await new Promise((resolve) => wss.close(resolve));
      assert.equal(ws.readyState, WsClient.OPEN);
    });

    it('lets the http server close while WebSockets are open, and after they closed', async function () {
      const server = await startHttpServer();
      const wss = createWss({ server });
      echoMessages(wss);
      const ws = client(`ws://127.0.0.1:${server.port}`);
      await opened(ws);

      const order = [];
      wss.close(() => order.push('wss'));
      const httpClosed = new Promise((resolve) => server.close(() => resolve(order.push('http'))));
      // New connections are refused; the open WebSocket still works.
      await new Promise((resolve) => setTimeout(resolve, 20));
      ws.send('after close');
      assert.equal((await once(ws, 'message'))[0].toString(), 'after close');

      const httpClosedWhileOpen = order.includes('http');
      ws.close();
      await once(ws, 'close');
      await httpClosed;
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(order.slice().sort(), ['http', 'wss']);
      // The http server waits for its upgraded sockets (uws keeps an adopted
      // socket counted by it until the WebSocket closes).
      assert.equal(httpClosedWhileOpen, false);
    });

    it('closes the http server at once when its WebSockets are already gone', async function () {
      const server = await startHttpServer();
      const wss = createWss({ server });
      const ws = client(`ws://127.0.0.1:${server.port}`);
      await opened(ws);
      ws.close();
      await once(ws, 'close');
      await new Promise((resolve) => wss.close(resolve));
      await new Promise((resolve) => server.close(resolve));
      assert.equal(server.listening, false);
    });
  });

  describe('worker_threads', function () {
    it('runs a server-mode WebSocketServer in a Worker, which then exits by itself', async function () {
      const worker = new Worker(path.join(__dirname, 'helpers', 'worker-attach-server.js'), {
        env: process.env
      });
      track({ terminate: () => worker.terminate() });
      const exited = once(worker, 'exit');
      const messages = [];
      const next = (type) =>
        new Promise((resolve) => {
          const found = messages.find((m) => m.type === type);
          if (found) return resolve(found);
          const onMessage = (msg) => {
            if (msg.type !== type) return;
            worker.off('message', onMessage);
            resolve(msg);
          };
          worker.on('message', onMessage);
        });
      worker.on('message', (msg) => messages.push(msg));

      const { port } = await next('listening');
      const ws = client(`ws://127.0.0.1:${port}`);
      await opened(ws);
      ws.send('to the worker');
      assert.equal((await once(ws, 'message'))[0].toString(), 'to the worker');
      assert.equal((await next('connection')).clients, 1);

      const closedByServer = once(ws, 'close');
      worker.postMessage('close');
      await next('closed');
      const [code] = await closedByServer;
      assert.equal(code, 1001);
      const [exitCode] = await exited;
      assert.equal(exitCode, 0);
    });
  });
});
