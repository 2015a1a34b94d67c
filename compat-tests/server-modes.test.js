'use strict';

//
// WebSocketServer modes: own listener (`port`), attached to an http.Server
// (`server`) that also serves normal requests, `noServer` + handleUpgrade
// with routing; handshake rejection; verifyClient / handleProtocols /
// 'headers'; close(); validation of options.
//
// Not compared (known deliberate differences of uws): the own listener's
// handshake timeout (408) and its 100-header limit (431).
//

const http = require('http');
const net = require('net');

const { compare, describeUpgradeRequest } = require('./harness');
const { upgradeRequest } = require('../test/helpers/http-raw');

/**
 * Sends `raw` bytes to 127.0.0.1:port and resolves with the response:
 * status line, headers (without Date), body (by Content-Length, or until
 * the connection ends) and whether the connection was closed.
 */
function httpExchange(t, port, raw) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    t.defer(() => socket.destroy());
    socket.on('error', () => {});
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (how) => {
      if (done) return;
      done = true;
      socket.destroy();
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return resolve({ how, raw: buf.toString('latin1') });
      const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
      const headers = lines
        .slice(1)
        .filter((l) => !/^date:/i.test(l))
        .map((l) => l.replace(/^([^:]+):/, (m, n) => `${n.toLowerCase()}:`))
        .sort();
      resolve({ status: lines[0], headers, body: buf.subarray(end + 4).toString('latin1'), how });
    };
    socket.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buf.subarray(0, end).toString('latin1');
      if (/^HTTP\/1\.1 101 /.test(head)) {
        const key = /sec-websocket-accept: *(\S+)/i.exec(head);
        buf = Buffer.from(head.replace(key ? key[1] : '\u0000', '<accept>') + '\r\n\r\n');
        return finish('upgraded');
      }
      const m = /content-length: *(\d+)/i.exec(head);
      if (m && buf.length >= end + 4 + Number(m[1])) {
        // Let a `Connection: close` end arrive (or not) before deciding.
        setTimeout(() => finish(socket.readableEnded ? 'ended' : 'open'), 30);
      }
    });
    socket.on('end', () => finish('ended'));
    socket.on('close', () => finish('closed'));
    socket.write(raw);
  });
}

const BAD_REQUESTS = [
  ['plain GET', 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
  ['POST upgrade', upgradeRequest({ method: 'POST' })],
  ['missing key', upgradeRequest({ headers: { 'Sec-WebSocket-Key': null } })],
  ['invalid key', upgradeRequest({ key: 'short' })],
  ['version 8', upgradeRequest({ version: 8 })],
  ['version 14', upgradeRequest({ version: 14 })],
  ['missing version', upgradeRequest({ headers: { 'Sec-WebSocket-Version': null } })],
  ['upgrade: h2c', upgradeRequest({ headers: { Upgrade: 'h2c' } })],
  ['bad subprotocol header', upgradeRequest({ headers: { 'Sec-WebSocket-Protocol': 'a, a' } })],
  ['bad subprotocol token', upgradeRequest({ headers: { 'Sec-WebSocket-Protocol': 'a b' } })],
  ['bad extensions header', upgradeRequest({ headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate; =' } })],
  ['wrong path', upgradeRequest({ path: '/other' })]
];

async function exchangeAll(t, port) {
  for (const [label, raw] of BAD_REQUESTS) {
    t.log('http', label, await httpExchange(t, port, raw));
  }
}

describe('compat: server modes', () => {
  compare('own port: rejected handshakes and non-upgrade requests', async (t) => {
    const { port } = await t.server({ path: '/' });
    await exchangeAll(t, port);
  });

  compare('server: attached to an http.Server that also serves requests', async (t) => {
    const server = http.createServer((req, res) => {
      t.log('http', 'request', req.method, req.url);
      res.setHeader('Connection', 'close');
      res.end(`hello ${req.url}`);
    });
    const port = await t.listen(server);
    const wss = t.trackWss(new t.WebSocketServer({ server, path: '/' }));
    let n = 0;
    wss.on('connection', (ws, req) => {
      const ch = `server#${++n}`;
      t.watch(ws, ch);
      t.log(ch, 'connection', describeUpgradeRequest(req, ['host', 'upgrade']));
      ws.send(`welcome ${req.url}`);
    });
    t.logThrows('wss', 'address()', () => {
      const a = wss.address();
      return { ...a, port: a.port === port };
    });
    await exchangeAll(t, port);
    await t.allClosed();
    const ws = t.client(`ws://127.0.0.1:${port}/`);
    await t.once(ws, 'message');
    ws.close();
    await t.allClosed();
    t.log('http', 'after ws', await httpExchange(t, port, 'GET /again HTTP/1.1\r\nHost: x\r\n\r\n'));
  });

  compare('server: wss.close() leaves the http.Server running and unhooks upgrades', async (t) => {
    const server = http.createServer((req, res) => res.end('ok'));
    const port = await t.listen(server);
    const wss = t.trackWss(new t.WebSocketServer({ server }));
    t.watchEmitter(wss, 'wss', ['close', 'error']);
    const conn = t.connection(wss);
    const ws = t.client(`ws://127.0.0.1:${port}`);
    await t.opened(ws);
    const [sws] = await conn;
    t.watch(sws, 'server');
    wss.close((err) => t.log('wss', 'close cb', err));
    await t.settle();
    t.log('client', 'still open', ws.readyState, sws.readyState);
    t.log('wss', 'upgrade listeners', server.listenerCount('upgrade'), server.listenerCount('listening'), server.listenerCount('error'));
    sws.send('still works');
    await t.once(ws, 'message');
    ws.close();
    await t.allClosed();
    const late = t.client(`ws://127.0.0.1:${port}`, undefined, undefined, 'late');
    await t.closed(late);
    t.log('http', 'still serving', server.listening);
  });

  compare('noServer + handleUpgrade routing by path', async (t) => {
    const a = t.trackWss(new t.WebSocketServer({ noServer: true }));
    const b = t.trackWss(new t.WebSocketServer({ noServer: true, clientTracking: false }));
    t.logThrows('wss', 'a.address()', () => a.address());
    t.log('wss', 'clients', a.clients.size, b.clients);
    for (const [name, wss] of [['a', a], ['b', b]]) {
      wss.on('connection', (ws, req, extra) => {
        t.watch(ws, `server-${name}`);
        t.log(`server-${name}`, 'connection', req.url, extra);
        ws.send(`route ${name}`);
      });
    }
    const server = http.createServer((req, res) => res.end('plain'));
    server.on('upgrade', (req, socket, head) => {
      t.log('route', req.url, head.length);
      const target = req.url === '/a' ? a : req.url === '/b' ? b : null;
      if (!target) {
        socket.write('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 4\r\n\r\nnope');
        socket.destroy();
        return;
      }
      target.handleUpgrade(req, socket, head, (ws, request) => {
        target.emit('connection', ws, request, { extra: req.url });
      });
    });
    const port = await t.listen(server);
    for (const path of ['/a', '/b', '/c']) {
      const ws = t.client(`ws://127.0.0.1:${port}${path}`, undefined, undefined, `client${path}`);
      await new Promise((r) => {
        ws.once('message', r);
        ws.once('close', r);
      });
      ws.close();
      await t.allClosed();
      t.log('wss', 'clients after', path, a.clients.size);
    }
    t.log('wss', 'clients end', a.clients.size);
  });

  compare('noServer: handleUpgrade rejects bad requests (with and without wsClientError)', async (t) => {
    const wss = t.trackWss(new t.WebSocketServer({ noServer: true }));
    const server = http.createServer((req, res) => res.end('plain'));
    server.on('upgrade', (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, () => t.log('wss', 'unexpected connection'));
    });
    const port = await t.listen(server);
    // (no path option in noServer mode: the last request would succeed)
    for (const [label, raw] of BAD_REQUESTS.slice(1, -1)) {
      t.log('http', label, await httpExchange(t, port, raw));
    }
    wss.on('wsClientError', (err, socket, req) => {
      t.log('wsClientError', err, req.url, typeof socket.write);
      socket.end('HTTP/1.1 499 Custom\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    for (const [label, raw] of BAD_REQUESTS.slice(1, 5)) {
      t.log('http custom', label, await httpExchange(t, port, raw));
    }
  });

  compare('handleUpgrade called twice with the same socket', async (t) => {
    const wss = t.trackWss(new t.WebSocketServer({ noServer: true }));
    const server = http.createServer();
    const serverClosed = t.deferred();
    server.on('upgrade', (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        t.watch(ws, 'server');
        ws.on('close', serverClosed.resolve);
        ws.close();
      });
      t.logThrows('wss', 'second handleUpgrade', () => wss.handleUpgrade(req, socket, head, () => {}));
    });
    const port = await t.listen(server);
    const ws = t.client(`ws://127.0.0.1:${port}`);
    await serverClosed;
    await t.allClosed();
    t.log('client', 'end', ws.readyState);
  });

  compare('verifyClient: sync and async accept / reject with code, message, headers', async (t) => {
    const decisions = [
      ['sync true', (info) => true],
      ['sync false', () => false],
      ['async ok', (info, cb) => cb(true)],
      ['async reject default', (info, cb) => cb(false)],
      ['async reject 403 msg headers', (info, cb) => cb(false, 403, 'Go away', { 'X-Why': 'because' })],
      ['async reject 418', (info, cb) => cb(false, 418)]
    ];
    for (const [label, fn] of decisions) {
      const { wss, port } = await t.server({
        verifyClient:
          fn.length === 2
            ? (info, cb) => {
                t.log('verify', label, { origin: info.origin, secure: info.secure, url: info.req.url });
                setImmediate(() => fn(info, cb));
              }
            : (info) => {
                t.log('verify', label, { origin: info.origin, secure: info.secure, url: info.req.url });
                return fn(info);
              }
      });
      wss.on('connection', (ws) => {
        t.watch(ws, 'server');
        ws.close();
      });
      const ws = t.client(`ws://127.0.0.1:${port}/v?x`, undefined, { origin: 'http://example.com' }, `client ${label}`);
      ws.on('unexpected-response', (req, res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          t.log(`client ${label}`, 'response', res.statusCode, res.statusMessage, res.headers['x-why'], res.headers['content-type'], Buffer.concat(chunks).toString());
          ws.terminate();
        });
      });
      await t.allClosed();
    }
  });

  compare('handleProtocols: chosen, none chosen, and the headers event', async (t) => {
    for (const choice of ['p2', false, undefined]) {
      const { wss, url } = await t.server({
        handleProtocols: (set, req) => {
          t.log('server', 'offered', [...set], set instanceof Set);
          return choice;
        }
      });
      wss.on('headers', (headers, req) => {
        t.log('server', 'headers', headers.map((h) => (h.startsWith('Sec-WebSocket-Accept') ? 'Sec-WebSocket-Accept: <accept>' : h)));
        headers.push('Set-Cookie: a=1');
      });
      wss.on('connection', (ws) => t.watch(ws, 'server'));
      const ws = t.client(url, ['p1', 'p2'], undefined, `client ${choice}`);
      ws.once('open', () => ws.close());
      await t.allClosed();
      // No subprotocol offered at all
      const ws2 = t.client(url, undefined, undefined, `client2 ${choice}`);
      ws2.once('open', () => ws2.close());
      await t.allClosed();
      wss.close();
    }
  });

  compare('own port: address(), listening, clients set, close() with open clients', async (t) => {
    const wss = t.trackWss(new t.WebSocketServer({ host: '127.0.0.1', port: 0 }));
    t.watchEmitter(wss, 'wss', ['close', 'error']);
    await t.once(wss, 'listening');
    const port = wss.address().port;
    t.placeholder(port, 'port');
    t.log('wss', 'address', { ...wss.address(), port: '<port>' });
    const conn = t.connection(wss);
    const ws = t.client(`ws://127.0.0.1:${port}`);
    await t.opened(ws);
    const [sws] = await conn;
    t.watch(sws, 'server');
    t.log('wss', 'clients', wss.clients.size, wss.clients.has(sws));
    let closedEvent = false;
    wss.on('close', () => (closedEvent = true));
    wss.close((err) => t.log('wss', 'close cb', err));
    await t.settle();
    t.log('wss', 'closed yet', closedEvent, ws.readyState);
    ws.close();
    await t.allClosed();
    await new Promise((r) => (closedEvent ? r() : wss.once('close', r)));
    t.log('wss', 'clients after', wss.clients.size);
    wss.close((err) => t.log('wss', 'second close cb', err));
    await t.settle(10);
    const late = t.client(`ws://127.0.0.1:${port}`, undefined, undefined, 'late');
    await t.closed(late);
  });

  compare('own port: EADDRINUSE emits error on the server', async (t) => {
    const { port } = await t.server();
    const wss2 = t.trackWss(new t.WebSocketServer({ host: '127.0.0.1', port }));
    const [err] = await t.once(wss2, 'error');
    t.log('wss2', 'error', err);
  });

  compare('constructor option validation', async (t) => {
    const W = t.WebSocketServer;
    const server = http.createServer();
    for (const [label, opts] of [
      ['none', undefined],
      ['empty', {}],
      ['port and server', { port: 0, server }],
      ['port and noServer', { port: 0, noServer: true }],
      ['server and noServer', { server, noServer: true }],
      ['port out of range', { port: 70000, host: '127.0.0.1' }],
      ['port negative', { port: -1, host: '127.0.0.1' }]
    ]) {
      t.logThrows('ctor', label, () => {
        const w = new W(opts);
        t.trackWss(w);
        w.on('error', (e) => t.log('ctor', `${label} error event`, e));
      });
    }
    await t.settle(10);
  });

  compare('server-side WebSocket properties and shouldHandle()', async (t) => {
    const { wss, url } = await t.server({ path: '/only' });
    t.log('wss', 'shouldHandle', wss.shouldHandle({ url: '/only' }), wss.shouldHandle({ url: '/only?x=1' }), wss.shouldHandle({ url: '/other' }));
    const conn = t.connection(wss);
    const ws = t.client(`${url}/only`, ['x']);
    const [sws, req] = await conn;
    t.log('server', 'props', sws.url, sws.protocol, sws.extensions, sws.readyState, sws.binaryType, sws.bufferedAmount, sws.isPaused);
    t.log('server', 'req', describeUpgradeRequest(req, ['sec-websocket-protocol', 'sec-websocket-version', 'connection', 'upgrade']));
    await t.opened(ws);
    ws.close();
    await t.allClosed();
  });
});
