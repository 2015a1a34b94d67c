'use strict';

//
// The client (`new WebSocket(address, protocols, options)`) against the
// reference `ws` server and against HTTP and raw TCP servers whose answers
// we write by hand.
//

const assert = require('assert/strict');
const http = require('http');
const net = require('net');
const { once } = require('events');

const { WebSocket, isUws } = require('./helpers/module-under-test');
const { closePayload, frame, OPCODES } = require('./helpers/frames');
const { cleanup, freePort, track } = require('./helpers/server');
const {
  closePeers,
  collectFrames,
  nextServerConnection,
  startHttpServer,
  startRawServer,
  startWsServer,
  switchingProtocols,
  tmpSocketPath
} = require('./helpers/client-peers');
const { duplexPair } = require('./helpers/duplex-pair');

/** A tracked client. */
function connect(...args) {
  return track(new WebSocket(...args));
}

/**
 * Resolves with `{ error, code, reason, events }` once `ws` emitted
 * `'close'`; `events` lists the event names in order.
 */
function outcome(ws) {
  return new Promise((resolve) => {
    const events = [];
    let error = null;
    ws.on('open', () => events.push('open'));
    ws.on('error', (err) => {
      events.push('error');
      error = err;
    });
    ws.on('close', (code, reason) => {
      events.push('close');
      resolve({ error, code, reason: reason.toString(), events });
    });
  });
}

/** A raw server that answers every upgrade with `respond(conn)`'s bytes. */
function rawServer(respond) {
  return startRawServer((conn) => {
    const bytes = respond(conn);
    if (bytes !== undefined) conn.socket.write(bytes);
  });
}

/**
 * A tracked client (`clientArgs` after the URL) connected to a reference ws
 * server; resolves with `{ ws, server }` once both ends are open.
 */
async function openWithWsServer(...clientArgs) {
  const { port, wss } = await startWsServer();
  const serverSide = nextServerConnection(wss);
  const ws = connect(`ws://127.0.0.1:${port}`, ...clientArgs);
  await once(ws, 'open');
  const [server] = await serverSide;
  return { ws, server };
}

/** A 301/302 redirect server: `location(req)` gives the Location header. */
function redirectServer(location, status = 302) {
  const requests = [];
  return startHttpServer((req, res) => {
    requests.push(req);
    res.writeHead(status, { Location: location(req) });
    res.end();
  }).then((s) => ({ ...s, requests }));
}

describe('WebSocket client', function () {
  afterEach(async function () {
    await cleanup();
    await closePeers();
  });

  describe('addresses', function () {
    it('connects to a ws: URL and reports it as `url`', async function () {
      const { port, requests } = await startWsServer();
      const ws = connect(`ws://127.0.0.1:${port}/path?a=1`);

      assert.equal(ws.url, `ws://127.0.0.1:${port}/path?a=1`);
      assert.equal(ws.readyState, WebSocket.CONNECTING);
      await once(ws, 'open');
      assert.equal(ws.readyState, WebSocket.OPEN);
      assert.equal(requests[0].url, '/path?a=1');
      assert.equal(ws.protocol, '');
      assert.equal(ws.extensions, '');
    });

    it('turns http: into ws:', async function () {
      const { port } = await startWsServer();
      const ws = connect(`http://127.0.0.1:${port}`);

      assert.equal(ws.url, `ws://127.0.0.1:${port}/`);
      await once(ws, 'open');
    });

    it('accepts a URL object and leaves it alone', async function () {
      const { port } = await startWsServer();
      const url = new URL(`http://localhost:${port}/x`);
      const ws = connect(url);

      assert.equal(ws.url, `ws://localhost:${port}/x`);
      assert.equal(url.protocol, 'http:');
      await once(ws, 'open');
    });

    it('connects over wss: (and https:) with TLS options passed through', async function () {
      const { port, wss } = await startWsServer({}, { secure: true });
      wss.on('connection', (ws) => ws.on('message', (d, isBinary) => ws.send(d, { binary: isBinary })));

      const ws = connect(`https://localhost:${port}/`, { rejectUnauthorized: false });
      assert.equal(ws.url, `wss://localhost:${port}/`);
      await once(ws, 'open');
      ws.send('over tls');
      const [data, isBinary] = await once(ws, 'message');
      assert.equal(data.toString(), 'over tls');
      assert.equal(isBinary, false);

      ws.close(1000);
      const [code] = await once(ws, 'close');
      assert.equal(code, 1000);
    });

    it('rejects a self-signed certificate by default', async function () {
      const { port } = await startWsServer({}, { secure: true });
      const ws = connect(`wss://127.0.0.1:${port}/`);
      const { error, code, events } = await outcome(ws);

      assert.deepEqual(events, ['error', 'close']);
      assert.equal(error.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
      assert.equal(code, 1006);
    });

    it('connects to a unix socket with ws+unix:', async function () {
      const socketPath = tmpSocketPath();
      const { requests } = await startWsServer({}, { socketPath });

      const ws = connect(`ws+unix:${socketPath}:/some/path?q=1`);
      assert.equal(ws.url, `ws+unix:${socketPath}:/some/path?q=1`);
      await once(ws, 'open');
      assert.equal(requests[0].url, '/some/path?q=1');

      // Without a `:path` part the request path is '/'.
      const ws2 = connect(`ws+unix:${socketPath}`);
      await once(ws2, 'open');
      assert.equal(requests[1].url, '/');
    });

    const invalidUrls = [
      ['an address that is not a URL', 'not a url', 'Invalid URL: not a url'],
      [
        'an unsupported protocol',
        'ftp://127.0.0.1/',
        'The URL\'s protocol must be one of "ws:", "wss:", "http:", "https:", or "ws+unix:"'
      ],
      ['a fragment identifier', 'ws://127.0.0.1/#frag', 'The URL contains a fragment identifier'],
      ['a ws+unix: URL without a path', 'ws+unix:', "The URL's pathname is empty"]
    ];

    for (const [what, address, message] of invalidUrls) {
      it(`throws SyntaxError for ${what}`, function () {
        assert.throws(() => new WebSocket(address), { name: 'SyntaxError', message });
      });
    }

    it('throws SyntaxError for invalid or duplicated subprotocols', function () {
      const message = 'An invalid or duplicated subprotocol was specified';
      assert.throws(() => new WebSocket('ws://127.0.0.1/', 'a b'), { name: 'SyntaxError', message });
      assert.throws(() => new WebSocket('ws://127.0.0.1/', ['a', 'a']), { name: 'SyntaxError', message });
      assert.throws(() => new WebSocket('ws://127.0.0.1/', ['']), { name: 'SyntaxError', message });
      assert.throws(() => new WebSocket('ws://127.0.0.1/', [1]), { name: 'SyntaxError', message });
    });

    it('throws RangeError for an unsupported protocolVersion', function () {
      assert.throws(() => new WebSocket('ws://127.0.0.1/', { protocolVersion: 9 }), {
        name: 'RangeError',
        message: 'Unsupported protocol version: 9 (supported versions: 8, 13)'
      });
    });

    it('emits error then close when the connection is refused', async function () {
      const port = await freePort();
      const ws = connect(`ws://127.0.0.1:${port}`);
      const { error, code, events } = await outcome(ws);

      assert.deepEqual(events, ['error', 'close']);
      assert.equal(error.code, 'ECONNREFUSED');
      assert.equal(code, 1006);
      assert.equal(ws.readyState, WebSocket.CLOSED);
    });
  });

  describe('subprotocols', function () {
    it('offers them and reports the chosen one', async function () {
      const { port, requests } = await startWsServer({
        handleProtocols: (set) => (set.has('b') ? 'b' : false)
      });
      const ws = connect(`ws://127.0.0.1:${port}`, ['a', 'b']);
      await once(ws, 'open');

      assert.equal(requests[0].headers['sec-websocket-protocol'], 'a,b');
      assert.equal(ws.protocol, 'b');
    });

    it('takes a single string, and options.protocols', async function () {
      const { port, requests } = await startWsServer();
      const ws1 = connect(`ws://127.0.0.1:${port}`, 'chat');
      await once(ws1, 'open');
      assert.equal(ws1.protocol, 'chat');

      const ws2 = connect(`ws://127.0.0.1:${port}`, { protocols: ['x', 'y'] });
      await once(ws2, 'open');
      assert.equal(requests[1].headers['sec-websocket-protocol'], 'x,y');
      assert.equal(ws2.protocol, 'x');
    });
  });

  describe('request options', function () {
    it('sends `headers` and `origin`', async function () {
      const { port, requests } = await startWsServer();
      const ws = connect(`ws://127.0.0.1:${port}`, {
        headers: { 'X-Custom': 'yes' },
        origin: 'https://example.com'
      });
      await once(ws, 'open');

      const { headers } = requests[0];
      assert.equal(headers['x-custom'], 'yes');
      assert.equal(headers.origin, 'https://example.com');
      assert.equal(headers['sec-websocket-version'], '13');
      assert.equal(headers.upgrade, 'websocket');
      assert.equal(headers.connection, 'Upgrade');
      assert.match(headers['sec-websocket-key'], /^[A-Za-z0-9+/]{22}==$/);
    });

    it('sends Sec-WebSocket-Origin with protocolVersion 8', async function () {
      const { port, requests } = await startWsServer();
      const ws = connect(`ws://127.0.0.1:${port}`, {
        protocolVersion: 8,
        origin: 'https://example.com'
      });
      await once(ws, 'open');

      const { headers } = requests[0];
      assert.equal(headers['sec-websocket-version'], '8');
      assert.equal(headers['sec-websocket-origin'], 'https://example.com');
      assert.equal(headers.origin, undefined);
    });

    it('sends URL credentials as Basic authorization', async function () {
      const { port, requests } = await startWsServer();
      const ws = connect(`ws://us%20er:p%40ss@127.0.0.1:${port}`);
      await once(ws, 'open');

      assert.equal(
        requests[0].headers.authorization,
        'Basic ' + Buffer.from('us er:p@ss').toString('base64')
      );
    });

    it('does not offer permessage-deflate (not implemented yet)', async function () {
      if (!isUws) this.skip();

      const { port, requests } = await startWsServer({ perMessageDeflate: true });
      const ws = connect(`ws://127.0.0.1:${port}`, { perMessageDeflate: { threshold: 0 } });
      await once(ws, 'open');

      assert.equal(requests[0].headers['sec-websocket-extensions'], undefined);
      assert.equal(ws.extensions, '');
    });

    it('lets `finishRequest` change and end the request', async function () {
      const { port, requests } = await startWsServer();
      let seen = null;
      const ws = connect(`ws://127.0.0.1:${port}`, {
        finishRequest(req, websocket) {
          seen = websocket;
          assert.ok(req instanceof http.ClientRequest);
          req.setHeader('X-Finish', 'done');
          req.end();
        }
      });
      assert.equal(seen, ws);
      await once(ws, 'open');
      assert.equal(requests[0].headers['x-finish'], 'done');
    });

    it('uses `agent`', async function () {
      const { port } = await startWsServer();
      const agent = new http.Agent();
      let created = 0;
      const createConnection = agent.createConnection.bind(agent);
      agent.createConnection = (...args) => {
        created++;
        return createConnection(...args);
      };

      const ws = connect(`ws://127.0.0.1:${port}`, { agent });
      await once(ws, 'open');
      assert.equal(created, 1);
      agent.destroy();
    });

    it('uses `createConnection`', async function () {
      const { port } = await startWsServer();
      const calls = [];
      const ws = connect(`ws://127.0.0.1:${port}/p`, {
        createConnection(options) {
          calls.push(options);
          return net.connect({ host: options.host, port: options.port });
        }
      });
      await once(ws, 'open');

      assert.equal(calls.length, 1);
      assert.equal(calls[0].host, '127.0.0.1');
      assert.equal(Number(calls[0].port), port);
    });

    it('runs over any Duplex that `createConnection` returns', async function () {
      const { wss } = await startWsServer();
      const server = http.createServer();
      server.on('upgrade', (req, socket, head) => {
        wss.handleUpgrade(req, socket, head, (ws) => {
          ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
        });
      });
      const [clientSide, serverSide] = duplexPair();
      track({ destroy: () => clientSide.destroy() });
      server.emit('connection', serverSide);

      const ws = connect('ws://in-memory.test/pair', { createConnection: () => clientSide });
      await once(ws, 'open');
      // The pair is synchronous: the echo may come back inside send().
      const message = once(ws, 'message');
      ws.send('in memory');
      const [data] = await message;
      assert.equal(data.toString(), 'in memory');

      const closed = once(ws, 'close');
      ws.close(1000, 'done');
      const [code, reason] = await closed;
      assert.equal(code, 1000);
      assert.equal(reason.toString(), 'done');
    });

    for (const secure of [false, true]) {
      it(`handshakeTimeout no longer applies once open${secure ? ' (wss:)' : ''}`, async function () {
        const { port, wss } = await startWsServer({}, { secure });
        wss.on('connection', (ws) => ws.on('message', (d) => ws.send(d, { binary: false })));
        const ws = connect(`${secure ? 'wss' : 'ws'}://127.0.0.1:${port}`, {
          handshakeTimeout: 20,
          rejectUnauthorized: false
        });
        await once(ws, 'open');
        await new Promise((resolve) => setTimeout(resolve, 60));

        assert.equal(ws.readyState, WebSocket.OPEN);
        ws.send('still here');
        const [data] = await once(ws, 'message');
        assert.equal(data.toString(), 'still here');
      });
    }

    it('times out with handshakeTimeout', async function () {
      // A server that reads the request and never answers.
      const { port } = await startRawServer(() => {});
      const ws = connect(`ws://127.0.0.1:${port}`, { handshakeTimeout: 50 });
      const { error, code, events } = await outcome(ws);

      assert.deepEqual(events, ['error', 'close']);
      assert.equal(error.message, 'Opening handshake has timed out');
      assert.equal(code, 1006);
    });
  });

  describe('redirects', function () {
    it('are not followed by default', async function () {
      const { port } = await redirectServer(() => '/elsewhere');
      const ws = connect(`ws://127.0.0.1:${port}`);
      const { error, events } = await outcome(ws);

      assert.deepEqual(events, ['error', 'close']);
      assert.equal(error.message, 'Unexpected server response: 302');
    });

    it('are followed with followRedirects, emitting redirect', async function () {
      const target = await startWsServer();
      const { port } = await redirectServer(
        () => `ws://127.0.0.1:${target.port}/final`
      );
      const ws = connect(`ws://127.0.0.1:${port}/start`, { followRedirects: true });
      const redirects = [];
      ws.on('redirect', (url, req) => {
        assert.ok(req instanceof http.ClientRequest);
        redirects.push(url);
      });

      await once(ws, 'open');
      assert.deepEqual(redirects, [`ws://127.0.0.1:${target.port}/final`]);
      assert.equal(ws.url, `ws://127.0.0.1:${target.port}/final`);
      assert.equal(target.requests[0].url, '/final');
    });

    it('resolve relative locations against the current URL', async function () {
      const { port } = await redirectServer(() => 'b?x=1', 301);
      const ws = connect(`ws://127.0.0.1:${port}/dir/a`, { followRedirects: true });
      const urls = [];
      ws.on('redirect', (url) => {
        urls.push(url);
        // The redirect server would redirect again: stop here.
        ws.terminate();
      });
      const { error } = await outcome(ws);

      assert.deepEqual(urls, [`ws://127.0.0.1:${port}/dir/b?x=1`]);
      assert.equal(error.message, 'WebSocket was closed before the connection was established');
    });

    it('stop at maxRedirects', async function () {
      const { port, requests } = await redirectServer((req) => req.url + 'x');
      const ws = connect(`ws://127.0.0.1:${port}/`, {
        followRedirects: true,
        maxRedirects: 2
      });
      const { error, code } = await outcome(ws);

      assert.equal(error.message, 'Maximum redirects exceeded');
      assert.equal(code, 1006);
      assert.deepEqual(requests.map((r) => r.url), ['/', '/x', '/xx']);
    });

    it('to an invalid URL emit a SyntaxError', async function () {
      const { port } = await redirectServer(() => 'ftp://127.0.0.1/');
      const ws = connect(`ws://127.0.0.1:${port}`, { followRedirects: true });
      const { error, events } = await outcome(ws);

      assert.deepEqual(events, ['error', 'close']);
      assert.ok(error instanceof SyntaxError);
      assert.equal(
        error.message,
        'The URL\'s protocol must be one of "ws:", "wss:", "http:", "https:", or "ws+unix:"'
      );
      assert.equal(ws.url, 'ftp://127.0.0.1/');
    });

    it('keep authorization and cookie on the same host', async function () {
      // Upgrade requests all reach 'upgrade' once it has a listener.
      const { server, port } = await startHttpServer(() => {});
      const upgrades = [];
      server.on('upgrade', (req, socket) => {
        upgrades.push(req);
        if (req.url === '/') {
          socket.end('HTTP/1.1 302 Found\r\nLocation: /ws\r\nContent-Length: 0\r\n\r\n');
        } else {
          socket.destroy();
        }
      });

      const ws = connect(`ws://127.0.0.1:${port}/`, {
        followRedirects: true,
        headers: { Authorization: 'Bearer token', Cookie: 'a=1' }
      });
      await outcome(ws);

      assert.deepEqual(upgrades.map((r) => r.url), ['/', '/ws']);
      assert.equal(upgrades[1].headers.authorization, 'Bearer token');
      assert.equal(upgrades[1].headers.cookie, 'a=1');
    });

    it('drop authorization and cookie on another host', async function () {
      const target = await startWsServer();
      const { port, requests } = await redirectServer(
        () => `ws://localhost:${target.port}/`
      );

      const ws = connect(`ws://127.0.0.1:${port}/`, {
        followRedirects: true,
        headers: { Authorization: 'Bearer token', Cookie: 'a=1', 'X-Other': 'kept' }
      });
      await once(ws, 'open');

      assert.equal(requests[0].headers.authorization, 'Bearer token');
      assert.equal(requests[0].headers.cookie, 'a=1');
      const { headers } = target.requests[0];
      assert.equal(headers.authorization, undefined);
      assert.equal(headers.cookie, undefined);
      assert.equal(headers['x-other'], 'kept');
      assert.equal(headers.host, `localhost:${target.port}`);
    });

    it('drop URL credentials on another host', async function () {
      const target = await startWsServer();
      const { port, requests } = await redirectServer(
        () => `ws://localhost:${target.port}/`
      );

      const ws = connect(`ws://user:pass@127.0.0.1:${port}/`, { followRedirects: true });
      await once(ws, 'open');

      assert.equal(
        requests[0].headers.authorization,
        'Basic ' + Buffer.from('user:pass').toString('base64')
      );
      assert.equal(target.requests[0].headers.authorization, undefined);
    });

    it('leave headers alone when a redirect listener exists', async function () {
      const target = await startWsServer();
      const { port } = await redirectServer(() => `ws://localhost:${target.port}/`);

      const ws = connect(`ws://127.0.0.1:${port}/`, {
        followRedirects: true,
        headers: { Authorization: 'Bearer token', Cookie: 'a=1' }
      });
      ws.on('redirect', () => {});
      await once(ws, 'open');

      assert.equal(target.requests[0].headers.authorization, 'Bearer token');
      assert.equal(target.requests[0].headers.cookie, 'a=1');
    });
  });

  describe('responses', function () {
    it('emit upgrade with the 101 response before open', async function () {
      const { port } = await startWsServer();
      const ws = connect(`ws://127.0.0.1:${port}`);
      const events = [];
      ws.on('upgrade', (res) => {
        assert.equal(res.statusCode, 101);
        assert.equal(res.headers.upgrade, 'websocket');
        assert.equal(ws.readyState, WebSocket.CONNECTING);
        events.push('upgrade');
      });
      ws.on('open', () => events.push('open'));
      await once(ws, 'open');
      assert.deepEqual(events, ['upgrade', 'open']);
    });

    it('other than 101 emit an error without an unexpected-response listener', async function () {
      const { port } = await startHttpServer((req, res) => {
        res.writeHead(404);
        res.end('nope');
      });
      const ws = connect(`ws://127.0.0.1:${port}`);
      const { error, code, events } = await outcome(ws);

      assert.deepEqual(events, ['error', 'close']);
      assert.equal(error.message, 'Unexpected server response: 404');
      assert.equal(code, 1006);
    });

    it('other than 101 go to unexpected-response listeners', async function () {
      const { port } = await startHttpServer((req, res) => {
        res.writeHead(401, { 'X-Why': 'auth' });
        res.end('denied');
      });
      const ws = connect(`ws://127.0.0.1:${port}`);
      const result = outcome(ws);

      const [req, res] = await once(ws, 'unexpected-response');
      assert.ok(req instanceof http.ClientRequest);
      assert.equal(res.statusCode, 401);
      assert.equal(res.headers['x-why'], 'auth');
      assert.equal(ws.readyState, WebSocket.CONNECTING);

      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      await once(res, 'end');
      assert.equal(body, 'denied');

      // The listener decides: here it gives up, which is the first error.
      ws.close();
      const { error, code, events } = await result;
      assert.deepEqual(events, ['error', 'close']);
      assert.equal(error.message, 'WebSocket was closed before the connection was established');
      assert.equal(code, 1006);
    });

    const invalid = [
      ['Invalid Upgrade header', (key) => switchingProtocols(key, { Upgrade: 'foo' })],
      [
        'Invalid Sec-WebSocket-Accept header',
        (key) => switchingProtocols(key, { 'Sec-WebSocket-Accept': 'AAAA' })
      ],
      [
        'Invalid Sec-WebSocket-Accept header',
        (key) => switchingProtocols(key, { 'Sec-WebSocket-Accept': null })
      ],
      [
        'Server sent a subprotocol but none was requested',
        (key) => switchingProtocols(key, { 'Sec-WebSocket-Protocol': 'chat' })
      ],
      [
        'Server sent an invalid subprotocol',
        (key) => switchingProtocols(key, { 'Sec-WebSocket-Protocol': 'other' }),
        ['chat']
      ],
      ['Server sent no subprotocol', (key) => switchingProtocols(key), ['chat']],
      [
        'Server sent a Sec-WebSocket-Extensions header but no extension was requested',
        (key) => switchingProtocols(key, { 'Sec-WebSocket-Extensions': 'permessage-deflate' })
      ]
    ];

    for (const [message, respond, protocols] of invalid) {
      it(`101 refused: ${message}`, async function () {
        const { port } = await rawServer(({ key }) => respond(key));
        // perMessageDeflate off: ws then checks extensions as uws always does.
        const ws = connect(`ws://127.0.0.1:${port}`, protocols, { perMessageDeflate: false });
        let upgraded = false;
        ws.on('upgrade', () => (upgraded = true));
        const { error, code, events } = await outcome(ws);

        assert.equal(upgraded, true);
        assert.deepEqual(events, ['error', 'close']);
        assert.equal(error.message, message);
        assert.equal(code, 1006);
        assert.equal(ws.readyState, WebSocket.CLOSED);
      });
    }

    it('deliver frames sent in the same write as the 101', async function () {
      const { port } = await rawServer(({ key }) =>
        Buffer.concat([
          Buffer.from(switchingProtocols(key)),
          frame({ mask: false, opcode: OPCODES.text, payload: 'first' }),
          frame({ mask: false, opcode: OPCODES.binary, payload: Buffer.from([1, 2]) }),
          frame({ mask: false, opcode: OPCODES.close, payload: closePayload(4001, 'done') })
        ])
      );
      const ws = connect(`ws://127.0.0.1:${port}`);
      const events = [];
      ws.on('open', () => events.push('open'));
      ws.on('message', (data, isBinary) => events.push([data.toString('hex'), isBinary]));
      const [code, reason] = await once(ws, 'close');

      assert.deepEqual(events, [
        'open',
        [Buffer.from('first').toString('hex'), false],
        ['0102', true]
      ]);
      assert.equal(code, 4001);
      assert.equal(reason.toString(), 'done');
    });

    it('masked frames from the server are a protocol error', async function () {
      let frames;
      const { port } = await rawServer(({ key, socket }) => {
        frames = collectFrames(socket);
        return Buffer.concat([
          Buffer.from(switchingProtocols(key)),
          frame({ mask: true, opcode: OPCODES.text, payload: 'masked' })
        ]);
      });
      const ws = connect(`ws://127.0.0.1:${port}`);
      let message = false;
      ws.on('message', () => (message = true));
      const { error, events } = await outcome(ws);

      assert.deepEqual(events, ['open', 'error', 'close']);
      assert.equal(message, false);
      assert.ok(error instanceof RangeError);
      assert.equal(error.message, 'Invalid WebSocket frame: MASK must be clear');
      assert.equal(error.code, 'WS_ERR_UNEXPECTED_MASK');

      const [close] = await frames.wait(1);
      assert.equal(close.opcode, OPCODES.close);
      assert.equal(close.masked, true);
      assert.equal(close.payload.readUInt16BE(0), 1002);
    });
  });

  describe('while connecting', function () {
    it('send() throws', async function () {
      const { port } = await startWsServer();
      const ws = connect(`ws://127.0.0.1:${port}`);

      assert.throws(() => ws.send('x'), {
        message: 'WebSocket is not open: readyState 0 (CONNECTING)'
      });
      assert.throws(() => ws.ping(), {
        message: 'WebSocket is not open: readyState 0 (CONNECTING)'
      });
      await once(ws, 'open');
    });

    for (const method of ['close', 'terminate']) {
      it(`${method}() aborts the handshake`, async function () {
        const { port, wss } = await startWsServer();
        let connections = 0;
        wss.on('connection', () => connections++);
        const ws = connect(`ws://127.0.0.1:${port}`);
        const result = outcome(ws);

        ws[method]();
        assert.equal(ws.readyState, WebSocket.CLOSING);
        const { error, code, events } = await result;

        assert.deepEqual(events, ['error', 'close']);
        assert.equal(error.message, 'WebSocket was closed before the connection was established');
        assert.equal(code, 1006);
        assert.equal(ws.readyState, WebSocket.CLOSED);
        assert.equal(connections, 0);
      });

      it(`${method}() in an upgrade listener aborts`, async function () {
        const { port } = await startWsServer();
        const ws = connect(`ws://127.0.0.1:${port}`);
        ws.on('upgrade', () => ws[method]());
        const { error, events } = await outcome(ws);

        assert.deepEqual(events, ['error', 'close']);
        assert.equal(error.message, 'WebSocket was closed before the connection was established');
      });
    }

    it('close() after a refused 101 does nothing more', async function () {
      const { port } = await rawServer(({ key }) =>
        switchingProtocols(key, { Upgrade: 'foo' })
      );
      const ws = connect(`ws://127.0.0.1:${port}`);
      const result = outcome(ws);
      await once(ws, 'upgrade');
      ws.close();
      const { events } = await result;
      assert.deepEqual(events, ['error', 'close']);
    });
  });

  describe('open connections', function () {
    it('exchange messages, pings and close codes with a ws server', async function () {
      const { ws, server } = await openWithWsServer();

      server.on('message', (data, isBinary) => server.send(data, { binary: isBinary }));
      ws.send('text');
      const [text, textIsBinary] = await once(ws, 'message');
      assert.equal(text.toString(), 'text');
      assert.equal(textIsBinary, false);

      ws.send(Buffer.from([0, 1, 2, 255]));
      const [bin, binIsBinary] = await once(ws, 'message');
      assert.deepEqual(bin, Buffer.from([0, 1, 2, 255]));
      assert.equal(binIsBinary, true);

      ws.ping('p');
      const [pingData] = await once(server, 'ping');
      assert.equal(pingData.toString(), 'p');

      server.ping('q');
      const [autoPong] = await once(server, 'pong');
      assert.equal(autoPong.toString(), 'q');

      const closed = Promise.all([once(server, 'close'), once(ws, 'close')]);
      ws.close(4000, 'bye');
      const [[serverCode, serverReason], [code, reason]] = await closed;
      assert.equal(serverCode, 4000);
      assert.equal(serverReason.toString(), 'bye');
      assert.equal(code, 4000);
      assert.equal(reason.toString(), 'bye');
    });

    it('mask every frame they send', async function () {
      let frames;
      const { port } = await rawServer(({ key, socket, rest }) => {
        frames = collectFrames(socket, rest);
        return switchingProtocols(key);
      });
      const ws = connect(`ws://127.0.0.1:${port}`);
      await once(ws, 'open');
      ws.send('a');
      ws.ping();
      ws.close(1000);

      const got = await frames.wait(3);
      assert.deepEqual(got.map((f) => f.opcode), [OPCODES.text, OPCODES.ping, OPCODES.close]);
      assert.ok(got.every((f) => f.masked));
      assert.equal(got[0].payload.toString(), 'a');
    });

    // A client whose generateMask writes base + n as the n-th key, connected
    // to a raw server that records the frames it receives.
    async function countingMaskClient(base) {
      const peer = { frames: null, socket: null, calls: 0 };
      const { port } = await rawServer(({ key, socket, rest }) => {
        peer.socket = socket;
        peer.frames = collectFrames(socket, rest);
        return switchingProtocols(key);
      });
      peer.ws = connect(`ws://127.0.0.1:${port}`, {
        generateMask(mask) {
          peer.calls++;
          mask.writeUInt32BE(base + peer.calls);
        }
      });
      await once(peer.ws, 'open');
      return peer;
    }

    it('use generateMask for the masking keys', async function () {
      const peer = await countingMaskClient(0x01020300);
      const { ws, frames } = peer;
      ws.send('one');
      ws.send(Buffer.from('two'));
      ws.ping('three');
      ws.send('unmasked', { mask: false });

      const got = await frames.wait(4);
      const keys = frames.maskKeys();
      assert.equal(peer.calls, 3);
      assert.deepEqual(keys.slice(0, 3).map((k) => k.toString('hex')), [
        '01020301',
        '01020302',
        '01020303'
      ]);
      assert.equal(keys[3], null);
      assert.deepEqual(got.map((f) => f.payload.toString()), ['one', 'two', 'three', 'unmasked']);
    });

    it('use generateMask for automatic pongs and the close frame too', async function () {
      const peer = await countingMaskClient(0x0a0b0c00);
      const { ws, frames } = peer;
      // An unmasked ping from the server: the client answers with a pong.
      peer.socket.write(Buffer.from([0x89, 0x02, 0x68, 0x69]));
      await once(ws, 'ping');
      ws.close(1000, 'bye');

      const got = await frames.wait(2);
      assert.deepEqual(
        got.map((f) => [f.opcode, f.payload.toString('hex')]),
        [
          [0x0a, '6869'],
          [0x08, Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('bye')]).toString('hex')]
        ]
      );
      assert.deepEqual(frames.maskKeys().slice(0, 2).map((k) => k.toString('hex')), ['0a0b0c01', '0a0b0c02']);
      assert.equal(peer.calls, 2);
    });

    it('an all-zero generated key still sets the MASK bit', async function () {
      let frames;
      const { port } = await rawServer(({ key, socket, rest }) => {
        frames = collectFrames(socket, rest);
        return switchingProtocols(key);
      });
      const ws = connect(`ws://127.0.0.1:${port}`, { generateMask: (mask) => mask.fill(0) });
      await once(ws, 'open');
      ws.send('zero');

      const [f] = await frames.wait(1);
      assert.equal(f.masked, true);
      assert.equal(frames.maskKeys()[0].toString('hex'), '00000000');
      assert.equal(f.payload.toString(), 'zero');
    });

    it('enforce maxPayload with close code 1009', async function () {
      const { ws, server } = await openWithWsServer({ maxPayload: 16 });

      const result = outcome(ws);
      const serverClosed = once(server, 'close');
      server.send(Buffer.alloc(17));
      const { error } = await result;
      const [serverCode] = await serverClosed;

      assert.ok(error instanceof RangeError);
      assert.equal(error.message, 'Max payload size exceeded');
      assert.equal(error.code, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
      assert.equal(serverCode, 1009);
    });

    it('validate UTF-8 unless skipUTF8Validation', async function () {
      const invalidUtf8 = Buffer.from([0xff, 0xfe]);
      const { port } = await rawServer(({ key }) =>
        Buffer.concat([
          Buffer.from(switchingProtocols(key)),
          frame({ mask: false, opcode: OPCODES.text, payload: invalidUtf8 })
        ])
      );

      const skipping = connect(`ws://127.0.0.1:${port}`, { skipUTF8Validation: true });
      const [data] = await once(skipping, 'message');
      assert.deepEqual(data, invalidUtf8);

      const strict = connect(`ws://127.0.0.1:${port}`);
      const { error } = await outcome(strict);
      assert.equal(error.code, 'WS_ERR_INVALID_UTF8');
    });

    it('do not answer pings with autoPong: false', async function () {
      let frames;
      const { port } = await rawServer(({ key, socket, rest }) => {
        frames = collectFrames(socket, rest);
        return Buffer.concat([
          Buffer.from(switchingProtocols(key)),
          frame({ mask: false, opcode: OPCODES.ping, payload: 'p' })
        ]);
      });
      const ws = connect(`ws://127.0.0.1:${port}`, { autoPong: false });
      const [data] = await once(ws, 'ping');
      assert.equal(data.toString(), 'p');
      ws.send('after');

      const [f] = await frames.wait(1);
      assert.equal(f.opcode, OPCODES.text);
      assert.equal(f.payload.toString(), 'after');
    });

    it('give up the closing handshake after closeTimeout', async function () {
      // The server never answers the close frame nor closes.
      const { port } = await rawServer(({ key }) => switchingProtocols(key));
      const ws = connect(`ws://127.0.0.1:${port}`, { closeTimeout: 50 });
      await once(ws, 'open');

      const started = Date.now();
      ws.close(1000);
      const [code] = await once(ws, 'close');
      assert.equal(code, 1006);
      assert.ok(Date.now() - started >= 40);
    });

    it('defer message events with allowSynchronousEvents: false', async function () {
      const { port } = await rawServer(({ key }) =>
        Buffer.concat([
          Buffer.from(switchingProtocols(key)),
          frame({ mask: false, payload: 'a' }),
          frame({ mask: false, payload: 'b' })
        ])
      );
      const ws = connect(`ws://127.0.0.1:${port}`, { allowSynchronousEvents: false });
      const order = [];
      ws.on('message', (data) => {
        order.push(data.toString());
        if (order.length === 1) queueMicrotask(() => order.push('microtask'));
      });
      await new Promise((resolve) => ws.on('message', () => order.length >= 3 && resolve()));
      assert.deepEqual(order, ['a', 'microtask', 'b']);
    });

    it('terminate() closes at once', async function () {
      const { ws, server } = await openWithWsServer();

      ws.terminate();
      const [[code], [serverCode]] = await Promise.all([once(ws, 'close'), once(server, 'close')]);
      assert.equal(code, 1006);
      assert.equal(serverCode, 1006);
    });
  });
});
