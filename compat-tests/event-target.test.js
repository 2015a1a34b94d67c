'use strict';

//
// The EventTarget interface: addEventListener / removeEventListener, the
// on* attributes, event objects and their fields.
//

const { compare, frame, OPCODES } = require('./harness');

/** Plain data for an event object. */
function ev(e, ws) {
  const o = { type: e.type, targetIsWs: e.target === ws, ctor: e.constructor && e.constructor.name };
  for (const k of ['data', 'code', 'reason', 'wasClean', 'message', 'error']) {
    if (k in e) o[k] = e[k];
  }
  return o;
}

describe('compat: EventTarget interface', () => {
  compare('addEventListener for open, message, close with event fields', async (t) => {
    const { wss, url } = await t.server();
    wss.on('connection', (sws) => {
      t.track(sws);
      sws.send('text');
      sws.send(Buffer.from([1, 2]));
      sws.close(4000, 'reason');
    });
    const ws = new t.WebSocket(url);
    t.track(ws);
    for (const type of ['open', 'message', 'close', 'error']) {
      ws.addEventListener(type, (e) => t.log('et', type, ev(e, ws), ws.readyState));
    }
    await t.closed(ws);
    await t.settle(10);
  });

  compare('on* attributes: get/set, replace, null, non-function values', async (t) => {
    const { url } = await t.server();
    const ws = new t.WebSocket(url);
    t.track(ws);
    t.log('attr', 'initial', ws.onopen, ws.onmessage, ws.onclose, ws.onerror);
    const f1 = (e) => t.log('attr', 'onopen f1', ev(e, ws));
    const f2 = (e) => t.log('attr', 'onopen f2', ev(e, ws));
    ws.onopen = f1;
    t.log('attr', 'get', ws.onopen === f1);
    ws.onopen = f2;
    t.log('attr', 'replaced', ws.onopen === f2, ws.listenerCount('open'));
    ws.onmessage = 'not a function';
    t.log('attr', 'string', ws.onmessage, ws.listenerCount('message'));
    ws.onmessage = {};
    t.log('attr', 'object', ws.onmessage);
    ws.onclose = (e) => t.log('attr', 'onclose', ev(e, ws));
    ws.onclose = null;
    t.log('attr', 'null', ws.onclose, ws.listenerCount('close'));
    ws.onclose = (e) => t.log('attr', 'onclose 2', ev(e, ws));
    ws.onerror = (e) => t.log('attr', 'onerror', ev(e, ws));
    ws.onmessage = (e) => t.log('attr', 'onmessage', ev(e, ws));
    await t.opened(ws);
    ws.close(1000, 'x');
    await t.closed(ws);
    await t.settle(10);
  });

  compare('listener order: on(), addEventListener, on* interleaved; once; handleEvent', async (t) => {
    const { wss, url } = await t.server();
    wss.on('connection', (sws) => {
      t.track(sws);
      sws.send('m1');
      sws.send('m2');
    });
    const ws = new t.WebSocket(url);
    t.track(ws);
    ws.on('message', (d) => t.log('order', 'on', String(d)));
    ws.addEventListener('message', (e) => t.log('order', 'ael', e.data.toString()));
    ws.onmessage = (e) => t.log('order', 'onmessage', e.data.toString());
    ws.addEventListener('message', (e) => t.log('order', 'once', e.data.toString()), { once: true });
    ws.addEventListener('message', { handleEvent: (e) => t.log('order', 'handleEvent', e.data.toString()) });
    const msgs = t.counter(ws, 'message');
    await msgs.wait(2);
    ws.close();
    await t.closed(ws);
  });

  compare('duplicate and removed listeners', async (t) => {
    const { wss, url } = await t.server();
    wss.on('connection', (sws) => {
      t.track(sws);
      sws.send('x');
    });
    const ws = new t.WebSocket(url);
    t.track(ws);
    const l = (e) => t.log('dup', 'l', e.type);
    const r = (e) => t.log('dup', 'removed', e.type);
    ws.addEventListener('message', l);
    ws.addEventListener('message', l);
    ws.addEventListener('message', r);
    ws.removeEventListener('message', r);
    ws.removeEventListener('message', () => {});
    ws.removeEventListener('nothing', l);
    t.log('dup', 'count', ws.listenerCount('message'));
    ws.addEventListener('unknown-type', l);
    t.log('dup', 'unknown count', ws.listenerCount('unknown-type'));
    await t.once(ws, 'message');
    ws.removeEventListener('message', l);
    t.log('dup', 'count after remove', ws.listenerCount('message'));
    ws.close();
    await t.closed(ws);
  });

  compare('error event fields (protocol error from a raw server) and wasClean', async (t) => {
    const got = t.deferred();
    const { url } = await t.rawWsServer((peer) => got.resolve(peer));
    const ws = new t.WebSocket(url);
    t.track(ws);
    ws.onerror = (e) => t.log('et', 'onerror', ev(e, ws));
    ws.addEventListener('close', (e) => t.log('et', 'close', ev(e, ws)));
    ws.binaryType = 'arraybuffer';
    ws.addEventListener('message', (e) => t.log('et', 'message', ev(e, ws)));
    const peer = await got;
    peer.write(frame({ opcode: OPCODES.binary, mask: false, payload: Buffer.from([1]) }));
    peer.write(frame({ opcode: 5, mask: false }));
    await peer.next();
    peer.socket.end();
    await t.closed(ws);
  });

  compare('error event on connection failure (ECONNREFUSED-like: closed port)', async (t) => {
    const { server, port } = await t.httpServer();
    await new Promise((r) => server.close(r));
    const ws = new t.WebSocket(`ws://127.0.0.1:${port}`);
    t.track(ws);
    ws.onerror = (e) => t.log('et', 'onerror', ev(e, ws), ws.readyState);
    ws.onclose = (e) => t.log('et', 'onclose', ev(e, ws), ws.readyState);
    await t.closed(ws);
  });

  compare('static and instance constants, properties before open', async (t) => {
    const { url } = await t.server();
    const W = t.WebSocket;
    t.log('const', 'static', W.CONNECTING, W.OPEN, W.CLOSING, W.CLOSED);
    const ws = new W(`${url}/p?q`, ['chat']);
    t.track(ws);
    t.log('const', 'instance', ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED);
    t.log('props', ws.url, ws.protocol, ws.extensions, ws.binaryType, ws.bufferedAmount, ws.readyState, ws.isPaused);
    await t.opened(ws);
    t.log('props open', ws.protocol, ws.readyState, ws.extensions);
    ws.close();
    await t.closed(ws);
    t.log('props closed', ws.protocol, ws.readyState);
  });
});
