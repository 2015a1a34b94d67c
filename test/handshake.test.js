'use strict';

//
// Hand-written HTTP over TCP against a server with its own listener. The
// exact status lines, headers and bodies are what ws 8.23 and Node's HTTP
// server produce (see websocket-server.js abortHandshake() and the 426
// handler in the WebSocketServer constructor).
//

const assert = require('assert/strict');

const { isUws } = require('./helpers/module-under-test');
const {
  RawHttp,
  acceptFor,
  makeKey,
  request,
  upgradeRequest
} = require('./helpers/http-raw');
const { connect, frame } = require('./helpers/raw-client');
const {
  cleanup,
  startEchoServer,
  startServer,
  track
} = require('./helpers/server');

/**
 * Sends `data`, resolves with the response and checks that the server
 * then ends the connection.
 */
async function rejectAndClose(port, data) {
  const { res, conn } = await request(port, data);
  track(conn);
  assert.ok(res, 'no response before the connection closed');
  await conn.closed;
  assert.equal(conn.gotEnd, true, 'the server did not end the connection');
  return res;
}

/** Asserts the exact head of ws' abortHandshake() response. */
function assertAbort(res, status, body, extra = '') {
  const statusText = {
    400: 'Bad Request',
    401: 'Unauthorized',
    405: 'Method Not Allowed'
  }[status];

  assert.equal(
    res.rawHead,
    `HTTP/1.1 ${status} ${statusText}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/html\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      extra +
      '\r\n'
  );
  assert.equal(res.body, body);
}

/** The 101 head ws writes for `key`, naming subprotocol `protocol` unless null. */
function switchingProtocols(key, protocol) {
  return (
    'HTTP/1.1 101 Switching Protocols\r\n' +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${acceptFor(key)}\r\n` +
    (protocol === null ? '' : `Sec-WebSocket-Protocol: ${protocol}\r\n`) +
    '\r\n'
  );
}

describe('handshake', function () {
  let wss;
  let connections;

  beforeEach(async function () {
    wss = await startEchoServer();
    connections = 0;
    wss.on('connection', () => connections++);
  });

  afterEach(cleanup);

  it('answers a valid upgrade with the exact 101 response', async function () {
    const key = makeKey();
    const conn = track(new RawHttp(wss.port));
    conn.write(upgradeRequest({ key }));
    const res = await conn.response();
    assert.equal(res.rawHead, switchingProtocols(key, null));
  });

  // Without 'headers' listeners the core writes the default head itself:
  // the same bytes as the lines ws joins, subprotocol included.
  for (const [title, handleProtocols, offered, chosen] of [
    ['the first offered subprotocol', undefined, 'chat, superchat', 'chat'],
    ['the subprotocol handleProtocols picked', (set) => [...set][1], 'chat, superchat', 'superchat'],
    ['a non-string subprotocol as text', () => 7, 'chat', '7'],
    ['no subprotocol when handleProtocols picks none', () => false, 'chat', null]
  ]) {
    it(`answers with the exact 101 response naming ${title}`, async function () {
      const server = await startEchoServer({ handleProtocols });
      const key = makeKey();
      const conn = track(new RawHttp(server.port));
      conn.write(upgradeRequest({ key, headers: { 'Sec-WebSocket-Protocol': offered } }));
      const res = await conn.response();
      assert.equal(res.rawHead, switchingProtocols(key, chosen));
    });
  }

  it('accepts Sec-WebSocket-Version 8 and a mixed-case Upgrade token', async function () {
    const key = makeKey();
    const conn = track(new RawHttp(wss.port));
    conn.write(
      upgradeRequest({
        key,
        version: 8,
        headers: { Upgrade: 'WebSocket', Connection: 'keep-alive, Upgrade' }
      })
    );
    const res = await conn.response();
    assert.equal(res.status, 101);
    assert.equal(res.headers['sec-websocket-accept'], acceptFor(key));
  });

  it('answers a non-upgrade GET with 426 and the body "Upgrade Required"', async function () {
    const conn = track(new RawHttp(wss.port));
    conn.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const res = await conn.response();
    assert.equal(res.statusLine, 'HTTP/1.1 426 Upgrade Required');
    assert.equal(res.headers['content-type'], 'text/plain');
    assert.equal(res.headers['content-length'], '16');
    assert.equal(res.body, 'Upgrade Required');
    assert.equal(connections, 0);
  });

  it('answers an HTTP/1.0 GET with 426 and closes the connection', async function () {
    const res = await rejectAndClose(wss.port, 'GET / HTTP/1.0\r\n\r\n');
    assert.equal(res.statusLine, 'HTTP/1.1 426 Upgrade Required');
    assert.equal(res.headers.connection, 'close');
    assert.equal(res.body, 'Upgrade Required');
  });

  it('treats an Upgrade header without "Connection: Upgrade" as a plain request (426)', async function () {
    const conn = track(new RawHttp(wss.port));
    conn.write(upgradeRequest({ headers: { Connection: null } }));
    const res = await conn.response();
    assert.equal(res.status, 426);
    assert.equal(res.body, 'Upgrade Required');
    assert.equal(connections, 0);
  });

  it('answers an upgrade with POST with 405 "Invalid HTTP method"', async function () {
    const res = await rejectAndClose(
      wss.port,
      upgradeRequest({ method: 'POST', key: 'bad' })
    );
    assertAbort(res, 405, 'Invalid HTTP method');
    assert.equal(connections, 0);
  });

  it('answers a bad Upgrade header with 400 "Invalid Upgrade header"', async function () {
    const res = await rejectAndClose(
      wss.port,
      upgradeRequest({ headers: { Upgrade: 'h2c' } })
    );
    assertAbort(res, 400, 'Invalid Upgrade header');
  });

  it('answers a missing Sec-WebSocket-Key with 400', async function () {
    const res = await rejectAndClose(
      wss.port,
      upgradeRequest({ headers: { 'Sec-WebSocket-Key': null } })
    );
    assertAbort(res, 400, 'Missing or invalid Sec-WebSocket-Key header');
  });

  for (const key of [
    'abc',
    'dGhlIHNhbXBsZSBub25jZQ=', // 23 characters
    'dGhlIHNhbXBsZSBub25jZQ===',
    'dGhlIHNhbXBsZSBub25j!Q==',
    'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='
  ]) {
    it(`answers an invalid Sec-WebSocket-Key "${key}" with 400`, async function () {
      const res = await rejectAndClose(wss.port, upgradeRequest({ key }));
      assertAbort(res, 400, 'Missing or invalid Sec-WebSocket-Key header');
    });
  }

  for (const version of [null, 12, 7, 'abc', 14]) {
    it(`answers Sec-WebSocket-Version ${version} with 400 and "Sec-WebSocket-Version: 13, 8"`, async function () {
      const headers =
        version === null ? { 'Sec-WebSocket-Version': null } : undefined;
      const res = await rejectAndClose(
        wss.port,
        upgradeRequest({ version: version === null ? 13 : version, headers })
      );
      assertAbort(
        res,
        400,
        'Missing or invalid Sec-WebSocket-Version header',
        'Sec-WebSocket-Version: 13, 8\r\n'
      );
    });
  }

  for (const value of ['a,,b', 'a b', ',a', 'a,', 'a,a', 'chat@1', '']) {
    it(`answers Sec-WebSocket-Protocol "${value}" with 400`, async function () {
      const res = await rejectAndClose(
        wss.port,
        upgradeRequest({ headers: { 'Sec-WebSocket-Protocol': value } })
      );
      assertAbort(res, 400, 'Invalid Sec-WebSocket-Protocol header');
    });
  }

  it('checks the method before the other headers', async function () {
    const res = await rejectAndClose(
      wss.port,
      upgradeRequest({
        method: 'PUT',
        version: 99,
        headers: { Upgrade: 'nope', 'Sec-WebSocket-Key': null }
      })
    );
    assert.equal(res.status, 405);
  });

  it('answers a malformed request line with 400 and closes', async function () {
    const res = await rejectAndClose(wss.port, 'GARBAGE\r\n\r\n');
    assert.equal(res.rawHead, 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    assert.equal(res.body, '');
  });

  it('answers a malformed header line with 400 and closes', async function () {
    const res = await rejectAndClose(
      wss.port,
      upgradeRequest().replace('\r\n\r\n', '\r\nno colon here\r\n\r\n')
    );
    assert.equal(res.status, 400);
    assert.equal(connections, 0);
  });

  it('upgrades a request head sent one byte at a time', async function () {
    const key = makeKey();
    const conn = track(new RawHttp(wss.port));
    await conn.connected;
    await conn.writeSlowly(upgradeRequest({ key, path: '/slow?x=1' }));
    const res = await conn.response();
    assert.equal(res.status, 101);
    assert.equal(res.headers['sec-websocket-accept'], acceptFor(key));
  });

  it('delivers a frame sent in the same TCP write as the request', async function () {
    const client = track(
      await connect(wss.port, {
        trailer: Buffer.concat([
          frame({ opcode: 1, payload: 'early bird' }),
          frame({ opcode: 2, payload: Buffer.from([1, 2, 3]) })
        ])
      })
    );
    const first = await client.message(0);
    const second = await client.message(1);
    assert.equal(first.text, 'early bird');
    assert.equal(first.opcode, 1);
    assert.deepEqual(second.data, Buffer.from([1, 2, 3]));
    assert.equal(second.opcode, 2);
  });

  it('answers a request head larger than 16 KiB with 431 and closes', async function () {
    const res = await rejectAndClose(
      wss.port,
      upgradeRequest({ headers: { 'X-Big': 'a'.repeat(17 * 1024) } })
    );
    assert.equal(res.statusLine, 'HTTP/1.1 431 Request Header Fields Too Large');
    assert.equal(connections, 0);
  });

  it('accepts a request head just under 16 KiB', async function () {
    const res = await request(
      wss.port,
      upgradeRequest({ headers: { 'X-Big': 'a'.repeat(15 * 1024) } })
    );
    track(res.conn);
    assert.equal(res.res.status, 101);
  });

  it('accepts 50 extra headers', async function () {
    const headers = {};
    for (let i = 0; i < 50; i++) headers[`X-Extra-${i}`] = String(i);
    const { res, conn } = await request(wss.port, upgradeRequest({ headers }));
    track(conn);
    assert.equal(res.status, 101);
  });

  //
  // uws caps the number of request headers at 100 (Node accepts any number
  // within the 16 KiB head limit).
  //
  (isUws ? it : it.skip)('answers more than 100 headers with 431 (uws only)', async function () {
    const headers = {};
    for (let i = 0; i < 120; i++) headers[`X-H${i}`] = 'v';
    const res = await rejectAndClose(wss.port, upgradeRequest({ headers }));
    assert.equal(res.status, 431);
    assert.equal(connections, 0);
  });

  //
  // uws has a `handshakeTimeout` server option; Node only answers 408 after
  // its `headersTimeout` (60 s), so ws is not tested here.
  //
  (isUws ? it : it.skip)(
    'answers a stalled half request with 408 after handshakeTimeout (uws only)',
    async function () {
      const server = await startServer({ handshakeTimeout: 200 });
      const conn = track(new RawHttp(server.port));
      const start = Date.now();
      const half = upgradeRequest();
      conn.write(half.slice(0, half.length >> 1));

      const res = await conn.response();
      await conn.closed;
      const elapsed = Date.now() - start;
      assert.ok(res, 'no response');
      assert.match(res.statusLine, /^HTTP\/1\.1 408/);
      assert.ok(elapsed >= 180, `timed out after only ${elapsed} ms`);
      assert.ok(elapsed < 5000, `timed out after ${elapsed} ms`);
    }
  );
});
