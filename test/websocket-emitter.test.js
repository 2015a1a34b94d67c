'use strict';

//
// A WebSocket is a Node `EventEmitter` whose bookkeeping users can see:
// `eventNames()`, `listenerCount()`, `_eventsCount`. uws keeps the count in
// bits of its state word rather than an own field (memory per idle
// connection); these check that adding and removing listeners keeps it
// right, that it never disturbs the state it shares the word with, and that
// a count too large for those bits still works. Runs against `ws` too
// (`UWS_TEST_MODULE=ws`), where the count is a plain own property.
//

const assert = require('assert/strict');
const { execFileSync } = require('child_process');
const EventEmitter = require('events');
const path = require('path');

const { WebSocket, isUws } = require('./helpers/module-under-test');
const { cleanup, pair } = require('./helpers/server');

function noop() {}

describe('WebSocket as an EventEmitter', function () {
  afterEach(cleanup);

  it('_eventsCount follows the event names that have listeners', async function () {
    const { ws } = await pair();
    const base = ws._eventsCount;
    assert.equal(base, ws.eventNames().length);

    const onMessage = () => {};
    ws.on('message', onMessage);
    ws.on('message', noop);
    ws.on('ping', noop);
    ws.once('custom', noop);
    assert.equal(ws._eventsCount, base + 3);
    assert.equal(ws.listenerCount('message'), 2);

    ws.off('message', onMessage);
    assert.equal(ws._eventsCount, base + 3, 'message still has a listener');
    ws.off('message', noop);
    assert.equal(ws._eventsCount, base + 2);
    ws.emit('custom');
    assert.equal(ws._eventsCount, base + 1, 'a once listener goes when it runs');
    ws.removeAllListeners();
    assert.equal(ws._eventsCount, 0);
    assert.deepEqual(ws.eventNames(), []);
  });

  it('adding and removing listeners leaves the state beside the count alone', async function () {
    const { ws, client: peer } = await pair();
    ws.binaryType = 'arraybuffer';
    ws.pause();
    for (let i = 0; i < 300; i++) ws.on(`event-${i}`, noop);
    assert.equal(ws.readyState, WebSocket.OPEN);
    assert.equal(ws.binaryType, 'arraybuffer');
    assert.equal(ws.isPaused, true);
    for (let i = 0; i < 300; i++) ws.off(`event-${i}`, noop);

    const received = new Promise((resolve) => ws.once('message', resolve));
    ws.resume();
    peer.send(Buffer.from([1, 2, 3]));
    const data = await received;
    assert.ok(data instanceof ArrayBuffer, 'binaryType survived');
    assert.deepEqual([...new Uint8Array(data)], [1, 2, 3]);
    assert.equal(ws.readyState, WebSocket.OPEN);
  });

  it('a patched EventEmitter.init that adds a listener: the count keeps it', function () {
    const init = EventEmitter.init;
    let ws;
    EventEmitter.init = function (opts) {
      init.call(this, opts);
      this.on('error', noop);
    };
    try {
      ws = new WebSocket(null, undefined, {});
    } finally {
      EventEmitter.init = init;
    }
    assert.equal(ws._eventsCount, 1);
    assert.deepEqual(ws.eventNames(), ['error']);
    ws.on('open', noop);
    // Node's removeAllListeners(type) replaces `_events` when the count
    // falls to 0: a count that missed 'error' would lose 'open' here.
    ws.removeAllListeners('error');
    assert.deepEqual(ws.eventNames(), ['open']);
  });

  it('the domain module loaded before: a WebSocket belongs to the active domain', function () {
    this.timeout(10000);
    const modulePath = isUws ? path.resolve(__dirname, '..') : require.resolve('ws');
    const script = `
      const domain = require('domain');
      const { WebSocket } = require(${JSON.stringify(modulePath)});
      const d = domain.create();
      let ws;
      d.run(() => { ws = new WebSocket(null, undefined, {}); });
      process.stdout.write(String(ws.domain === d));`;
    assert.equal(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }), 'true');
  });

  it('more event names than 16 bits count: the count still follows them', async function () {
    this.timeout(10000);
    const { ws } = await pair();
    const base = ws._eventsCount;
    const names = 70000;
    for (let i = 0; i < names; i++) ws.on(`event-${i}`, noop);
    assert.equal(ws._eventsCount, base + names);
    assert.equal(ws.readyState, WebSocket.OPEN);
    let seen = 0;
    ws.on('event-69999', () => seen++);
    ws.emit('event-69999');
    assert.equal(seen, 1);
    for (let i = 0; i < names; i++) ws.removeAllListeners(`event-${i}`);
    assert.equal(ws._eventsCount, base);
    assert.equal(ws.readyState, WebSocket.OPEN);
  });
});
