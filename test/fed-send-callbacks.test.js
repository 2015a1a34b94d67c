'use strict';

// Send callbacks on a TLS connection (the fed transport: the TLS socket stays
// in JS and feeds the native core) follow the stream's writes, as ws's follow
// its socket's: a client that does not read holds them back.

const assert = require('assert/strict');
const https = require('https');
const { once } = require('events');

const { WebSocketServer, WebSocket } = require('./helpers/module-under-test');
const { tlsFixture } = require('./helpers/tls-fixture');

describe('send callbacks over TLS', function () {
  let server;
  let wss;

  afterEach(async function () {
    if (wss) for (const client of wss.clients) client.terminate();
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    wss = server = undefined;
  });

  it('fire when the stream has written the frame, not before', async function () {
    server = https.createServer(tlsFixture);
    wss = new WebSocketServer({ server });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');

    const client = new WebSocket(`wss://127.0.0.1:${server.address().port}`, { rejectUnauthorized: false });
    const [ws] = await once(wss, 'connection');
    await once(client, 'open');
    client.pause();

    let fired = 0;
    const chunk = Buffer.alloc(1 << 20, 7);
    for (let i = 0; i < 20; i++) ws.send(chunk, () => fired++);
    // Far more than the socket buffers take: most of it waits in the stream.
    assert.ok(ws.bufferedAmount > 10 * chunk.length, `bufferedAmount ${ws.bufferedAmount}`);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(fired < 20, `all ${fired} callbacks fired while the client was not reading`);

    const allFired = new Promise((resolve) => {
      const timer = setInterval(() => {
        if (fired === 20) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    let received = 0;
    client.on('message', () => received++);
    client.resume();
    await allFired;
    assert.equal(ws.bufferedAmount, 0);
    while (received < 20) await once(client, 'message');
  });
});
