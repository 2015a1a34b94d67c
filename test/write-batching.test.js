'use strict';

// Frames sent while a connection's events are dispatched are held back and
// written together: one send() per connection per dispatch, and the
// connections of one poller wakeup back to back at its end. None of that may
// be visible: each connection's frames keep the order of the send() calls,
// send callbacks come after the frame is handed to the kernel, and a process
// that exits right after sending still delivers, as with ws.

const assert = require('assert/strict');
const path = require('path');
const { fork } = require('child_process');
const { once } = require('events');

const { WebSocket } = require('./helpers/module-under-test');
const { startServer, cleanup, track } = require('./helpers/server');

describe('write batching', function () {
  afterEach(cleanup);

  it("keeps each connection's order when handlers also write to other connections", async function () {
    const wss = await startServer();
    // What the server sent to each client, in send() order.
    const sentTo = new Map();
    const send = (ws, text) => {
      sentTo.get(ws.name).push(text);
      ws.send(text);
    };
    wss.on('connection', (ws) => {
      ws.on('message', (data) => {
        const text = data.toString();
        ws.name = text[0];
        if (!sentTo.has(ws.name)) sentTo.set(ws.name, []);
        send(ws, `echo:${text}`);
        // A broadcast from inside a handler: other connections may have
        // been dispatched earlier in the same wakeup, their replies held.
        for (const other of wss.clients) {
          if (other !== ws && other.name) send(other, `from:${text}`);
        }
      });
    });

    const names = ['a', 'b', 'c'];
    const clients = names.map((name) => track(new WebSocket(`ws://127.0.0.1:${wss.port}`)));
    await Promise.all(clients.map((client) => once(client, 'open')));
    const received = new Map(names.map((name) => [name, []]));
    clients.forEach((client, i) => client.on('message', (data) => received.get(names[i]).push(data.toString())));

    // Every client speaks once first, so that the server knows them all.
    for (let i = 0; i < clients.length; i++) {
      clients[i].send(`${names[i]}0`);
      await waitFor(() => received.get(names[i]).length > 0);
    }
    // Then many rounds written in one tick: the server reads them together.
    const rounds = 30;
    for (let round = 1; round <= rounds; round++) {
      clients.forEach((client, i) => client.send(`${names[i]}${round}`));
    }
    const expected = names.length * (names.length * rounds) + names.length * (names.length + 1) / 2;
    await waitFor(() => [...received.values()].reduce((sum, list) => sum + list.length, 0) === expected);

    for (const name of names) assert.deepEqual(received.get(name), sentTo.get(name), `client ${name}`);
  });

  it('a send callback runs once the frame is out, even when more frames follow in the batch', async function () {
    const wss = await startServer();
    const order = [];
    wss.on('connection', (ws) => {
      ws.on('message', (data) => {
        ws.send(`echo:${data}`, () => order.push(`callback:${data}`));
      });
    });
    const client = track(new WebSocket(`ws://127.0.0.1:${wss.port}`));
    await once(client, 'open');
    client.on('message', (data) => order.push(data.toString()));
    for (let i = 0; i < 5; i++) client.send(String(i));
    await waitFor(() => order.length === 10);
    // Callbacks in send order; each echo arrives, wherever the client's
    // reads fall between the callbacks.
    assert.deepEqual(order.filter((e) => e.startsWith('callback:')), ['0', '1', '2', '3', '4'].map((i) => `callback:${i}`));
    assert.deepEqual(order.filter((e) => e.startsWith('echo:')), ['0', '1', '2', '3', '4'].map((i) => `echo:${i}`));
  });

  for (const how of ['callback', 'tick', 'sync']) {
    it(`a server that exits right after sending (${how}) still delivers the frame`, async function () {
      const child = fork(path.join(__dirname, 'fixtures', 'exit-after-send-server.js'), [how], { stdio: 'ignore' });
      try {
        const [{ port }] = await once(child, 'message');
        const client = track(new WebSocket(`ws://127.0.0.1:${port}`));
        await once(client, 'open');
        const messages = [];
        client.on('message', (data) => messages.push(data.toString()));
        client.send('hello');
        const [code] = await once(client, 'close');
        assert.deepEqual(messages, ['bye']);
        // The connection dropped without a closing handshake.
        assert.equal(code, 1006);
      } finally {
        child.kill();
      }
    });
  }
});

/** Resolves once `condition()` holds (checked on every turn of the loop). */
function waitFor(condition) {
  return new Promise((resolve) => {
    const check = () => (condition() ? resolve() : setImmediate(check));
    check();
  });
}
