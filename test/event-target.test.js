'use strict';

//
// lib/event-target.ts in isolation, on a fake WebSocket (an EventEmitter
// with the mixin installed), checked against ws 8.23 itself: every scenario
// runs on our fake and on a real, unconnected `ws` WebSocket
// (`new WebSocket(null, undefined, {})`, events emitted by hand), and the
// observable logs must be identical.
//

const assert = require('assert');
const path = require('path');
const { EventEmitter } = require('events');

const WsWebSocket = require('ws');
const ours = require('../dist/event-target.js');
// ws's own classes, for side-by-side checks of the event objects (not
// exported by the package, hence the path).
const theirs = require(path.join(path.dirname(require.resolve('ws')), 'lib', 'event-target.js'));

const { EventTarget, defineEventHandlerProperties } = ours;

/** A minimal WebSocket: just the emitter, the mixin and the close flags. */
class FakeWebSocket extends EventEmitter {
  constructor() {
    super();
    this._closeFrameReceived = false;
    this._closeFrameSent = false;
  }
}
FakeWebSocket.prototype.addEventListener = EventTarget.addEventListener;
FakeWebSocket.prototype.removeEventListener = EventTarget.removeEventListener;
defineEventHandlerProperties(FakeWebSocket.prototype);

const implementations = {
  uws: () => new FakeWebSocket(),
  ws: () => new WsWebSocket(null, undefined, {})
};

/**
 * Runs `scenario(target, log)` on both implementations and asserts that the
 * logs are equal. Returns our log for extra assertions.
 */
function sameAsWs(scenario) {
  const logs = {};
  for (const [name, create] of Object.entries(implementations)) {
    const log = [];
    const target = create();
    try {
      scenario(target, log);
    } catch (err) {
      log.push(['threw', err.constructor.name]);
    }
    logs[name] = log;
  }
  assert.deepStrictEqual(logs.uws, logs.ws);
  return logs.uws;
}

/** A plain description of an event, to compare across implementations. */
function describeEvent(event, target) {
  const fields = {};
  for (const key in event) {
    const value = event[key];
    fields[key] = key === 'target' ? value === target : Buffer.isBuffer(value) ? ['Buffer', value.toString()] : value;
  }
  return fields;
}

describe('event-target', () => {
  describe('event classes', () => {
    it('have the same defaults, accessors and enumerable keys as ws', () => {
      const cases = [
        ['Event', ['open']],
        ['CloseEvent', ['close']],
        ['CloseEvent', ['close', { code: 1001, reason: 'away', wasClean: true }]],
        ['ErrorEvent', ['error']],
        ['ErrorEvent', ['error', { error: 42, message: 'm' }]],
        ['MessageEvent', ['message']],
        ['MessageEvent', ['message', { data: 'x' }]]
      ];

      for (const [name, args] of cases) {
        const a = new ours[name](...args);
        const b = new theirs[name](...args);
        assert.deepStrictEqual(describeEvent(a, null), describeEvent(b, null), name);
        assert.deepStrictEqual(Object.keys(a), [], `${name} has no own enumerable keys`);
        assert.ok(a instanceof ours.Event);
      }
    });

    it('have read-only accessors', () => {
      const event = new ours.CloseEvent('close', { code: 1000 });
      assert.throws(() => {
        event.code = 1; // Strict mode: assigning to a getter-only property throws.
      }, TypeError);
      assert.strictEqual(event.code, 1000);
    });
  });

  describe('addEventListener', () => {
    it('dispatches a text message as a string and binary as is', () => {
      const log = sameAsWs((ws, log) => {
        ws.addEventListener('message', (event) => log.push(describeEvent(event, ws), typeof event.data));
        ws.emit('message', Buffer.from('text'), false);
        ws.emit('message', Buffer.from('bin'), true);
        ws.emit('message', [Buffer.from('a'), Buffer.from('b')], true);
      });
      assert.deepStrictEqual(log[0], { type: 'message', target: true, data: 'text' });
      assert.deepStrictEqual(log[2], { type: 'message', target: true, data: ['Buffer', 'bin'] });
    });

    it('keeps the binary data object itself', () => {
      const ws = new FakeWebSocket();
      const data = Buffer.from('x');
      let received;
      ws.addEventListener('message', (event) => (received = event.data));
      ws.emit('message', data, true);
      assert.strictEqual(received, data);
    });

    it('dispatches close, error and open events like ws', () => {
      const log = sameAsWs((ws, log) => {
        for (const type of ['open', 'close', 'error']) {
          ws.addEventListener(type, (event) => log.push(describeEvent(event, ws)));
        }
        ws.emit('open');
        ws.emit('close', 1006, Buffer.from(''));
        ws._closeFrameReceived = true;
        ws.emit('close', 1000, Buffer.from('bye'));
        ws._closeFrameSent = true;
        ws.emit('close', 4000, Buffer.from('héllo'));
        const err = new Error('boom');
        ws.emit('error', err);
      });
      assert.deepStrictEqual(log[0], { type: 'open', target: true });
      assert.deepStrictEqual(log[3], { type: 'close', target: true, code: 4000, reason: 'héllo', wasClean: true });
      assert.strictEqual(log[4].message, 'boom');
    });

    it('gives event objects of the exported classes', () => {
      const ws = new FakeWebSocket();
      const events = [];
      for (const type of ['open', 'message', 'close', 'error']) {
        ws.addEventListener(type, (event) => events.push(event));
      }
      ws.emit('open');
      ws.emit('message', Buffer.from('x'), false);
      ws.emit('close', 1000, Buffer.alloc(0));
      const err = new Error('e');
      ws.emit('error', err);
      assert.ok(events[0] instanceof ours.Event);
      assert.ok(events[1] instanceof ours.MessageEvent);
      assert.ok(events[2] instanceof ours.CloseEvent);
      assert.ok(events[3] instanceof ours.ErrorEvent);
      assert.strictEqual(events[3].error, err);
    });

    it('calls functions with the WebSocket as this, handleEvent with its object', () => {
      sameAsWs((ws, log) => {
        ws.addEventListener('open', function () {
          log.push(this === ws);
        });
        const handler = {
          handleEvent(event) {
            log.push(this === handler, event.type);
          }
        };
        ws.addEventListener('open', handler);
        ws.emit('open');
      });
    });

    it('uses the emitter at emit time as this and target', () => {
      sameAsWs((ws, log) => {
        ws.addEventListener('open', function (event) {
          log.push(this === other, event.target === other);
        });
        const other = new EventEmitter();
        ws.listeners('open')[0].call(other);
      });
    });

    it('ignores duplicates and unknown types', () => {
      const log = sameAsWs((ws, log) => {
        const handler = () => log.push('called');
        ws.addEventListener('message', handler);
        ws.addEventListener('message', handler);
        ws.addEventListener('message', handler, { once: true });
        ws.addEventListener('ping', handler);
        ws.addEventListener('foo', handler);
        log.push(ws.listenerCount('message'), ws.listenerCount('ping'), ws.listenerCount('foo'));
        ws.emit('message', Buffer.from('x'), false);
      });
      assert.deepStrictEqual(log, [1, 0, 0, 'called']);
    });

    it('treats the same handler for different types as different listeners', () => {
      sameAsWs((ws, log) => {
        const handler = (event) => log.push(event.type);
        ws.addEventListener('open', handler);
        ws.addEventListener('close', handler);
        ws.emit('open');
        ws.emit('close', 1000, Buffer.alloc(0));
      });
    });

    it('supports once', () => {
      const log = sameAsWs((ws, log) => {
        ws.addEventListener('open', () => log.push('once'), { once: true });
        ws.addEventListener('open', () => log.push('always'));
        ws.emit('open');
        ws.emit('open');
        log.push(ws.listenerCount('open'));
      });
      assert.deepStrictEqual(log, ['once', 'always', 'always', 1]);
    });

    it('interleaves with on() listeners in registration order', () => {
      sameAsWs((ws, log) => {
        ws.on('open', () => log.push('on 1'));
        ws.addEventListener('open', () => log.push('event listener'));
        ws.on('open', () => log.push('on 2'));
        ws.emit('open');
      });
    });

    it('throws at dispatch for an object without handleEvent', () => {
      const log = sameAsWs((ws, log) => {
        ws.addEventListener('open', {});
        log.push(ws.listenerCount('open'));
        ws.emit('open');
      });
      assert.deepStrictEqual(log, [1, ['threw', 'TypeError']]);
    });
  });

  describe('removeEventListener', () => {
    it('removes only listeners added with addEventListener', () => {
      const log = sameAsWs((ws, log) => {
        const handler = () => log.push('handler');
        ws.on('open', handler);
        ws.onopen = handler;
        ws.addEventListener('open', handler);
        ws.removeEventListener('open', handler);
        log.push(ws.listenerCount('open'));
        ws.removeEventListener('open', handler);
        log.push(ws.listenerCount('open'));
        ws.emit('open');
      });
      assert.deepStrictEqual(log, [2, 2, 'handler', 'handler']);
    });

    it('removes a once listener before it fires', () => {
      sameAsWs((ws, log) => {
        const handler = () => log.push('called');
        ws.addEventListener('message', handler, { once: true });
        ws.removeEventListener('message', handler);
        ws.emit('message', Buffer.from('x'), false);
        log.push(ws.listenerCount('message'));
      });
    });

    it('ignores handlers that were never added', () => {
      sameAsWs((ws, log) => {
        ws.addEventListener('open', () => log.push('kept'));
        ws.removeEventListener('open', () => {});
        ws.removeEventListener('nope', () => {});
        ws.emit('open');
      });
    });
  });

  describe('on<event> attributes', () => {
    it('are enumerable accessors on the prototype', () => {
      for (const name of ['onopen', 'onerror', 'onclose', 'onmessage']) {
        const descriptor = Object.getOwnPropertyDescriptor(FakeWebSocket.prototype, name);
        const wsDescriptor = Object.getOwnPropertyDescriptor(WsWebSocket.prototype, name);
        assert.strictEqual(typeof descriptor.get, 'function');
        assert.strictEqual(typeof descriptor.set, 'function');
        assert.strictEqual(descriptor.enumerable, wsDescriptor.enumerable);
        assert.strictEqual(descriptor.configurable, wsDescriptor.configurable);
      }
    });

    it('get what was set; set replaces; non-functions clear', () => {
      const log = sameAsWs((ws, log) => {
        const first = () => log.push('first');
        const second = () => log.push('second');
        log.push(ws.onmessage === null);
        ws.onmessage = first;
        log.push(ws.onmessage === first, ws.listenerCount('message'));
        ws.onmessage = second;
        log.push(ws.onmessage === second, ws.listenerCount('message'));
        ws.emit('message', Buffer.from('x'), false);
        ws.onmessage = { handleEvent() {} };
        log.push(ws.onmessage, ws.listenerCount('message'));
        ws.onmessage = second;
        ws.onmessage = 'not a function';
        log.push(ws.onmessage, ws.listenerCount('message'));
        ws.onmessage = second;
        ws.onmessage = null;
        log.push(ws.onmessage, ws.listenerCount('message'));
      });
      assert.deepStrictEqual(log, [true, true, 1, true, 1, 'second', null, 0, null, 0, null, 0]);
    });

    it('coexist with addEventListener of the same handler', () => {
      const log = sameAsWs((ws, log) => {
        const handler = (event) => log.push(event.type);
        ws.addEventListener('close', handler);
        ws.onclose = handler;
        ws.addEventListener('close', handler);
        log.push(ws.listenerCount('close'));
        ws.emit('close', 1000, Buffer.alloc(0));
        ws.onclose = null;
        log.push(ws.listenerCount('close'), ws.onclose);
      });
      assert.deepStrictEqual(log, [2, 'close', 'close', 1, null]);
    });

    it('move to the end of the listener list when replaced', () => {
      sameAsWs((ws, log) => {
        ws.onopen = () => log.push('attribute 1');
        ws.on('open', () => log.push('on'));
        ws.onopen = () => log.push('attribute 2');
        ws.emit('open');
      });
    });

    it('call the WebSocket as this and the handler with an event', () => {
      sameAsWs((ws, log) => {
        ws.onerror = function (event) {
          log.push(this === ws, event.type, event.message, event.target === ws);
        };
        ws.emit('error', new Error('bad'));
      });
    });

    it('go through an overridden addEventListener, as in ws', () => {
      class Logging extends FakeWebSocket {
        addEventListener(type, handler, options) {
          this.seen = [type, typeof handler, Object.getOwnPropertySymbols(options || {}).length];
          super.addEventListener(type, handler, options);
        }
      }
      const ws = new Logging();
      ws.onopen = () => {};
      assert.deepStrictEqual(ws.seen, ['open', 'function', 1]);
      assert.strictEqual(ws.listenerCount('open'), 1);
    });
  });
});
