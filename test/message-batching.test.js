'use strict';

// Small messages of one read reach JS together (one call into JS for all of
// them). None of that may be visible: events keep the order of the frames,
// whatever their kind and size, and one handler's exception does not lose
// the messages after it.

const assert = require('assert/strict');
const { once } = require('events');

const { WebSocket, isUws } = require('./helpers/module-under-test');
const { startServer, cleanup, track } = require('./helpers/server');

describe('message batching', function () {
  afterEach(cleanup);

  async function connect(wss) {
    const client = track(new WebSocket(`ws://127.0.0.1:${wss.port}`));
    const [ws] = await Promise.all([once(wss, 'connection').then(([socket]) => socket), once(client, 'open')]);
    return { client, ws };
  }

  it('keeps the order of messages of every size and of control frames in one read', async function () {
    const wss = await startServer();
    const { client, ws } = await connect(wss);
    const events = [];
    ws.on('message', (data, isBinary) => events.push(`${isBinary ? 'binary' : 'text'}:${data.length}:${data[0]}`));
    ws.on('ping', (data) => events.push(`ping:${data}`));
    ws.on('pong', (data) => events.push(`pong:${data}`));

    const expected = [];
    // Pooled (small), large and control frames interleaved, all written in
    // one tick; more small messages than one slab (64 KiB) holds.
    for (let i = 0; i < 600; i++) {
      const size = [1, 200, 5000, 0, 4096, 4097][i % 6];
      const payload = Buffer.alloc(size, i % 100);
      const binary = i % 2 === 0;
      client.send(payload, { binary });
      expected.push(`${binary ? 'binary' : 'text'}:${size}:${size ? i % 100 : undefined}`);
      if (i % 50 === 7) {
        client.ping(String(i));
        expected.push(`ping:${i}`);
      }
      if (i % 70 === 3) {
        client.pong(String(i));
        expected.push(`pong:${i}`);
      }
    }
    client.close(1000, 'done');
    await once(ws, 'close');
    assert.deepEqual(events, expected);
  });

  it('delivers thousands of tiny messages of one read in order', async function () {
    const wss = await startServer();
    const { client, ws } = await connect(wss);
    const received = [];
    ws.on('message', (data) => received.push(data.toString()));
    const count = 6000;
    for (let i = 0; i < count; i++) client.send(String(i % 10));
    client.close();
    await once(ws, 'close');
    assert.equal(received.length, count);
    assert.ok(received.every((text, i) => text === String(i % 10)));
  });

  it('gives every message its own Buffer, whose memory a later message does not overwrite', async function () {
    const wss = await startServer();
    const { client, ws } = await connect(wss);
    const kept = [];
    ws.on('message', (data) => kept.push(data));
    for (let i = 0; i < 100; i++) client.send(Buffer.alloc(100, i));
    client.close();
    await once(ws, 'close');
    kept.forEach((data, i) => assert.deepEqual(data, Buffer.alloc(100, i)));
  });

  (isUws ? it : it.skip)('reports a handler exception and still delivers the messages after it', async function () {
    // ws resumes the rest of a chunk only when more data arrives; uws
    // reports each message's exception on its own, as for separate reads.
    const wss = await startServer();
    const { client, ws } = await connect(wss);
    const errors = await catchingUncaught(async () => {
      const received = [];
      ws.on('message', (data) => {
        received.push(data.toString());
        if (data.toString() === 'throw') throw new Error('from handler');
      });
      for (const text of ['a', 'throw', 'b', 'throw', 'c']) client.send(text);
      while (received.length < 5) await once(ws, 'message');
      assert.deepEqual(received, ['a', 'throw', 'b', 'throw', 'c']);
    });
    assert.deepEqual(errors, ['from handler', 'from handler']);
  });

  (isUws ? it : it.skip)('a handler that terminates and then throws ends the delivery', async function () {
    const wss = await startServer();
    const { client, ws } = await connect(wss);
    const errors = await catchingUncaught(async () => {
      const received = [];
      ws.on('message', (data) => {
        received.push(data.toString());
        if (data.toString() === 'stop') {
          ws.terminate();
          throw new Error('after terminate');
        }
      });
      for (const text of ['a', 'stop', 'b', 'c']) client.send(text);
      await once(ws, 'close');
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(received, ['a', 'stop']);
    });
    assert.deepEqual(errors, ['after terminate']);
  });

  it('assembles a message larger than the 32 MiB reserved up front', async function () {
    this.timeout(20000);
    const wss = await startServer();
    const { client, ws } = await connect(wss);
    const size = 40 * 1024 * 1024;
    const payload = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4096) payload.writeUInt32LE(i, i);
    client.send(payload);
    const [data] = await once(ws, 'message');
    assert.equal(data.length, size);
    assert.ok(data.equals(payload));
  });

  it('stops delivering when a handler terminates the connection', async function () {
    const wss = await startServer();
    const { client, ws } = await connect(wss);
    const received = [];
    ws.on('message', (data) => {
      received.push(data.toString());
      if (data.toString() === 'stop') ws.terminate();
    });
    for (const text of ['a', 'stop', 'b', 'c']) client.send(text);
    await once(ws, 'close');
    // ws goes on with the rest of the chunk it was parsing; uws drops input
    // once the connection is destroyed.
    assert.deepEqual(received.slice(0, 2), ['a', 'stop']);
    if (isUws) assert.deepEqual(received, ['a', 'stop']);
  });
});

/**
 * Runs `body` with mocha's uncaught-exception handlers swapped for one that
 * records the messages; resolves with them.
 */
async function catchingUncaught(body) {
  const mochaHandlers = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  const errors = [];
  process.on('uncaughtException', (err) => errors.push(err.message));
  try {
    await body();
  } finally {
    process.removeAllListeners('uncaughtException');
    for (const handler of mochaHandlers) process.on('uncaughtException', handler);
  }
  return errors;
}
