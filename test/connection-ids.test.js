'use strict';

// The ids JS keeps for native connections (`ws._connectionId`) stay small
// integers however many connections come and go: an id of 2^31 or more is
// a heap-allocated number to V8, 16 bytes more per WebSocket. uws only (ws
// has no such id). The id rules themselves are unit-tested in C++
// (native/test/slot_table_test.cpp).

const assert = require('assert/strict');
const { once } = require('events');

const WsClient = require('ws');
const { isUws } = require('./helpers/module-under-test');
const { cleanup, nextConnection, opened, startEchoServer, track } = require('./helpers/server');

describe('connection ids', function () {
  afterEach(cleanup);

  (isUws ? it : it.skip)('stay below 2^31 while connections come and go one at a time', async function () {
    // One connection at a time: a free list that hands the last freed slot
    // out again would take one slot through a new generation per connection
    // (the id passed 2^31 after 128 of them).
    const wss = await startEchoServer();
    const ids = [];
    for (let i = 0; i < 200; i++) {
      const conn = nextConnection(wss);
      const ws = track(new WsClient(`ws://127.0.0.1:${wss.port}`));
      await opened(ws);
      const [serverWs] = await conn;
      ids.push(serverWs._connectionId);
      ws.close();
      await once(serverWs, 'close');
    }
    for (const id of ids) {
      assert.ok(Number.isInteger(id) && id > 0 && id < 2 ** 31, `id ${id} is not a small integer`);
    }
    assert.equal(new Set(ids).size, ids.length, 'an id was handed out twice');
  });
});
