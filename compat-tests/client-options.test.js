'use strict';

//
// Client options: headers, origin, protocolVersion, handshakeTimeout,
// followRedirects / maxRedirects (with cross-host header dropping),
// finishRequest, agent, createConnection, URL and protocol validation.
//
// The peer is a raw TCP server recording the request head, so the record
// shows exactly what a server receives. (The ws reference client is given
// `perMessageDeflate: false`: uws never offers permessage-deflate.)
//

const http = require('http');
const net = require('net');

const { compare } = require('./harness');

/** The request head as a server sees it: request line + sorted headers. */
function head(req) {
  const headers = req.lines
    .slice(1)
    .map((l) => {
      const i = l.indexOf(':');
      const name = l.slice(0, i).toLowerCase();
      return name === 'sec-websocket-key' ? `${name}: <key>` : `${name}:${l.slice(i + 1)}`;
    })
    .sort();
  return { requestLine: req.lines[0], headers };
}

/** A raw server that logs each request head and completes the handshake. */
async function recordingServer(t, ch = 'peer') {
  return t.rawServer((socket, req) => {
    t.log(ch, 'request', head(req));
    socket.write(t.switching(req));
  });
}

describe('compat: client options', () => {
  compare('default request head, custom headers, auth in URL', async (t) => {
    const { port } = await recordingServer(t);
    for (const [url, opts] of [
      [`ws://127.0.0.1:${port}/a/b?c=d&e`, undefined],
      [`ws://127.0.0.1:${port}`, { headers: { 'X-Custom': 'v1', Cookie: 'a=b', 'User-Agent': 'ua' } }],
      [`ws://user:p%40ss@127.0.0.1:${port}/auth`, undefined],
      [`http://127.0.0.1:${port}/http-scheme`, undefined],
      [`ws://127.0.0.1:${port}/h`, { headers: { Host: 'example.com:1234' } }],
      [`ws://127.0.0.1:${port}/auth-opt`, { auth: 'u:pw' }]
    ]) {
      const ws = t.client(url, undefined, opts);
      await t.opened(ws);
      t.log('client', 'url', ws.url);
      ws.terminate();
      await t.closed(ws);
    }
  });

  compare('origin and protocolVersion 8 / 13, protocols header', async (t) => {
    const { port } = await recordingServer(t);
    for (const opts of [
      { origin: 'http://example.com' },
      { origin: 'http://example.com', protocolVersion: 8 },
      { protocolVersion: 8 },
      { protocolVersion: 13 }
    ]) {
      const ws = t.client(`ws://127.0.0.1:${port}`, ['chat', 'superchat'], opts);
      await new Promise((r) => ws.once('close', r).once('open', () => ws.terminate()));
    }
  });

  compare('invalid protocolVersion, URLs and subprotocols throw', async (t) => {
    const { port } = await recordingServer(t);
    const u = `ws://127.0.0.1:${port}`;
    const W = t.WebSocket;
    const cases = [
      ['protocolVersion 7', () => new W(u, { protocolVersion: 7 })],
      ['protocolVersion "13"', () => new W(u, { protocolVersion: '13' })],
      ['ftp URL', () => new W(`ftp://127.0.0.1:${port}`)],
      ['not a URL', () => new W('not a url')],
      ['fragment', () => new W(`${u}/#frag`)],
      ['empty host', () => new W('ws://:80')],
      ['duplicate protocol', () => new W(u, ['a', 'a'])],
      ['invalid protocol token', () => new W(u, ['a b'])],
      ['empty protocol', () => new W(u, [''])],
      ['URL object', () => new W(new URL(`${u}/url-object`))]
    ];
    for (const [label, fn] of cases) {
      t.logThrows('ctor', label, () => {
        const ws = fn();
        t.watch(ws, `client ${label}`);
      });
    }
    // the URL object one opens; close it
    for (const ws of t.sockets) {
      await t.opened(ws);
      ws.terminate();
    }
    await t.allClosed();
  });

  compare('handshakeTimeout: no response in time', async (t) => {
    const got = t.deferred();
    const { url } = await t.rawServer(() => got.resolve());
    const ws = t.client(url, undefined, { handshakeTimeout: 80 });
    await got;
    await t.closed(ws);
    t.log('client', 'end', ws.readyState);
  });

  compare('handshakeTimeout: not hit when the server answers', async (t) => {
    const { url } = await recordingServer(t);
    const ws = t.client(url, undefined, { handshakeTimeout: 200 });
    await t.opened(ws);
    await t.settle(250);
    t.log('client', 'still open', ws.readyState);
    ws.terminate();
    await t.closed(ws);
  });

  compare('connection refused', async (t) => {
    const { server, port } = await t.httpServer();
    await new Promise((r) => server.close(r));
    const ws = t.client(`ws://127.0.0.1:${port}`);
    await t.closed(ws);
  });

  compare('finishRequest: headers added, then end()', async (t) => {
    const { port } = await recordingServer(t);
    const ws = t.client(`ws://127.0.0.1:${port}/fr`, undefined, {
      finishRequest: (req, socket) => {
        t.log('finishRequest', typeof req.setHeader, typeof req.end, socket instanceof t.WebSocket, socket.readyState);
        req.setHeader('X-Finish', 'yes');
        req.end();
      }
    });
    await t.opened(ws);
    ws.terminate();
    await t.closed(ws);
  });

  compare('finishRequest: request aborted by the user', async (t) => {
    const { port } = await recordingServer(t);
    const ws = t.client(`ws://127.0.0.1:${port}/abort`, undefined, {
      finishRequest: (req) => {
        req.destroy(new Error('user abort'));
      }
    });
    await t.closed(ws);
  });

  compare('agent: a custom http.Agent is used', async (t) => {
    const { port } = await recordingServer(t);
    class LoggingAgent extends http.Agent {
      createConnection(options, cb) {
        t.log('agent', 'createConnection', options.host, options.port === port, options.path === undefined ? null : options.path);
        return super.createConnection(options, cb);
      }
    }
    const agent = new LoggingAgent();
    t.defer(() => agent.destroy());
    const ws = t.client(`ws://127.0.0.1:${port}/agent`, undefined, { agent });
    await t.opened(ws);
    ws.terminate();
    await t.closed(ws);
  });

  compare('createConnection option', async (t) => {
    const { port } = await recordingServer(t);
    const ws = t.client(`ws://127.0.0.1:${port}/cc`, undefined, {
      createConnection: (options) => {
        t.log('createConnection', options.host, options.port === port, options.path, typeof options.timeout);
        return net.connect(port, '127.0.0.1');
      }
    });
    await t.opened(ws);
    ws.send('over custom connection');
    ws.close();
    await t.settle(20);
    ws.terminate();
    await t.closed(ws);
  });

  compare('followRedirects: off, on, maxRedirects exceeded, redirect event', async (t) => {
    const { port: wsPort } = await recordingServer(t, 'ws-peer');
    const { port } = await t.httpServer((req, res) => {
      t.log('http', req.method, req.url);
      const hop = Number(/hop=(\d+)/.exec(req.url)?.[1] || 0);
      const location =
        hop > 0 ? `/r?hop=${hop - 1}` : `ws://127.0.0.1:${wsPort}/final`;
      res.writeHead(302, { Location: location, Connection: 'close' });
      res.end();
    });
    for (const [label, path, opts] of [
      ['off', '/r?hop=0', {}],
      ['on', '/r?hop=0', { followRedirects: true }],
      ['relative chain', '/r?hop=2', { followRedirects: true }],
      ['maxRedirects 1 exceeded', '/r?hop=2', { followRedirects: true, maxRedirects: 1 }],
      ['maxRedirects 0', '/r?hop=0', { followRedirects: true, maxRedirects: 0 }]
    ]) {
      const ws = t.client(`ws://127.0.0.1:${port}${path}`, undefined, opts, `client ${label}`);
      await new Promise((r) => ws.once('close', r).once('open', () => ws.terminate()));
      t.log(`client ${label}`, 'url', ws.url);
    }
  });

  // ws drops Authorization / Cookie (and Host) on a redirect to another
  // host:port only when there is no 'redirect' listener; with one, the
  // listener is responsible. Both variants are recorded.
  for (const withListener of [false, true]) {
    compare(`followRedirects: Authorization and Cookie dropped cross-host only (redirect listener: ${withListener})`, async (t) => {
      let port;
      ({ port } = await t.rawServer((socket, req) => {
        t.log('peer', 'request', head(req));
        if (req.path.startsWith('/r/')) {
          const host = req.path.startsWith('/r/same') ? '127.0.0.1' : 'localhost';
          socket.end(`HTTP/1.1 302 Found\r\nLocation: ws://${host}:${port}/final${req.path.slice(2)}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
        } else {
          socket.write(t.switching(req));
        }
      }));
      const events = ['open', 'upgrade', 'error', 'close'];
      for (const path of ['/r/same', '/r/cross']) {
        const ws = new t.WebSocket(`ws://user:pass@127.0.0.1:${port}${path}`, undefined, {
          followRedirects: true,
          headers: { Cookie: 'k=v', 'X-Keep': 'kept' }
        });
        t.watch(ws, `client ${path}`, events);
        if (withListener) ws.on('redirect', (url) => t.log(`client ${path}`, 'redirect', url));
        await new Promise((r) => ws.once('close', r).once('open', () => ws.terminate()));
      }
    });
  }

  compare('followRedirects: redirect to a non-ws URL and without Location', async (t) => {
    const { port } = await t.httpServer((req, res) => {
      if (req.url === '/ftp') res.writeHead(302, { Location: 'ftp://127.0.0.1/x', Connection: 'close' });
      else if (req.url === '/none') res.writeHead(302, { Connection: 'close' });
      else res.writeHead(302, { Location: 'ws://[bad', Connection: 'close' });
      res.end();
    });
    for (const path of ['/ftp', '/none', '/bad']) {
      const ws = t.client(`ws://127.0.0.1:${port}${path}`, undefined, { followRedirects: true }, `client ${path}`);
      await t.closed(ws);
    }
  });
});
