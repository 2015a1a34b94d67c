'use strict';

//
// What a client observes when the server answers the upgrade request:
// 'upgrade' and 'unexpected-response' events, non-101 responses, and
// invalid 101 responses produced by a raw TCP server.
//

const { compare, describeRequest, describeResponse } = require('./harness');

/** A raw server answering every upgrade request with `respond(req)`. */
async function answering(t, respond) {
  return t.rawServer((socket, req) => {
    const out = respond(req, socket);
    if (out !== undefined) socket.write(out);
  });
}

const { acceptFor } = require('../test/helpers/http-raw');

const accept = (t, req) => acceptFor(req.headers['sec-websocket-key']);

describe('compat: handshake responses', () => {
  compare('unexpected-response without a listener: error for each status', async (t) => {
    const { port } = await t.httpServer((req, res) => {
      const code = Number(req.url.slice(1));
      res.writeHead(code, { 'X-Code': String(code), Connection: 'close' });
      res.end(`body ${code}`);
    });
    for (const code of [200, 204, 400, 401, 403, 404, 426, 500, 503]) {
      const ws = t.client(`ws://127.0.0.1:${port}/${code}`, undefined, undefined, `client ${code}`);
      await t.closed(ws);
    }
  });

  compare('unexpected-response with a listener: (req, res), body, no error', async (t) => {
    const { port } = await t.httpServer((req, res) => {
      res.writeHead(403, 'Nope', { 'X-Reason': 'denied', 'Content-Type': 'text/plain', Connection: 'close' });
      res.end('forbidden body');
    });
    const ws = t.client(`ws://127.0.0.1:${port}/x`);
    ws.on('unexpected-response', (req, res) => {
      t.log('client', 'unexpected-response', typeof req.abort, typeof req.destroy, describeRequest(req), describeResponse(res), ws.readyState);
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        t.log('client', 'body', Buffer.concat(chunks));
        t.log('client', 'readyState after body', ws.readyState);
        ws.terminate();
        t.log('client', 'readyState after terminate', ws.readyState);
      });
    });
    await t.closed(ws);
    await t.settle(10);
  });

  compare('unexpected-response listener that calls req.destroy()', async (t) => {
    const { port } = await t.httpServer((req, res) => {
      res.writeHead(500, { Connection: 'close' });
      res.end('err');
    });
    const ws = t.client(`ws://127.0.0.1:${port}/x`);
    ws.on('unexpected-response', (req) => {
      req.destroy();
      t.log('client', 'destroyed', ws.readyState);
    });
    await t.once(ws, 'unexpected-response');
    await t.settle(50);
    t.log('client', 'after destroy', ws.readyState);
    ws.terminate();
    await t.closed(ws);
    await t.settle(10);
  });

  compare('upgrade event carries the 101 response headers', async (t) => {
    const { url } = await answering(t, (req) => t.switching(req, 'X-Extra: 1\r\nSet-Cookie: a=b\r\nSet-Cookie: c=d\r\n'));
    const ws = t.client(url);
    ws.on('upgrade', (res) => t.log('client', 'upgrade extra', typeof res.on, res.httpVersion, res.rawHeaders.length));
    await t.opened(ws);
    ws.terminate();
    await t.closed(ws);
  });

  const BAD_101 = [
    ['wrong accept', (t, req) => 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n'],
    ['missing accept', (t, req) => 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'],
    ['missing upgrade header', (t, req) => `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(t, req)}\r\n\r\n`],
    ['upgrade: foo', (t, req) => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(t, req)}\r\n\r\n`],
    ['unrequested subprotocol', (t, req) => t.switching(req, 'Sec-WebSocket-Protocol: chat\r\n')],
    ['unrequested extension', (t, req) => t.switching(req, 'Sec-WebSocket-Extensions: permessage-deflate\r\n')],
    ['unknown extension', (t, req) => t.switching(req, 'Sec-WebSocket-Extensions: x-foo\r\n')],
    ['garbage status line', () => 'garbage\r\n\r\n'],
    ['HTTP/1.0 101', (t, req) => t.switching(req).replace('HTTP/1.1', 'HTTP/1.0')],
    ['close without response', (t, req, socket) => socket.end() && undefined],
    ['reset without response', (t, req, socket) => socket.destroy() && undefined],
    ['partial head then close', (t, req, socket) => socket.end('HTTP/1.1 101 Switching') && undefined]
  ];

  for (const [label, respond] of BAD_101) {
    compare(`invalid handshake response: ${label}`, async (t) => {
      const { url } = await answering(t, (req, socket) => respond(t, req, socket));
      const ws = t.client(url);
      ws.on('open', () => ws.terminate());
      await t.closed(ws);
      await t.settle(10);
    });
  }

  compare('subprotocol responses: not offered / offered and matching / mismatching', async (t) => {
    const { port } = await answering(t, (req) => {
      const p = req.path.slice(1);
      return t.switching(req, p ? `Sec-WebSocket-Protocol: ${p}\r\n` : '');
    });
    for (const [path, protocols] of [
      ['/b', ['a', 'b']],
      ['/c', ['a', 'b']],
      ['/', ['a']],
      ['/a', 'a']
    ]) {
      const ws = t.client(`ws://127.0.0.1:${port}${path}`, protocols, undefined, `client ${path} ${protocols}`);
      await new Promise((r) => ws.once('close', r).once('open', () => ws.terminate()));
      t.log(`client ${path} ${protocols}`, 'protocol', ws.protocol);
    }
  });

  compare('redirect response with followRedirects off: unexpected-response listener sees it', async (t) => {
    const { port } = await t.httpServer((req, res) => {
      res.writeHead(301, { Location: '/elsewhere', Connection: 'close' });
      res.end();
    });
    const ws = t.client(`ws://127.0.0.1:${port}/`);
    ws.on('unexpected-response', (req, res) => {
      t.log('client', 'unexpected-response', res.statusCode, res.headers.location);
      ws.terminate();
    });
    await t.closed(ws);
  });
});
