'use strict';

//
// The public API surface a user can see: exports, prototype members and
// their kinds, static constants. Private members (leading underscore) are
// left out: they are implementation details (`ws._socket` in particular is
// a stand-in object in uws, a known deliberate difference).
//

const { compare } = require('./harness');

function members(proto) {
  const out = [];
  for (let p = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if (p.constructor && (p.constructor.name === 'EventEmitter')) break;
    for (const name of Object.getOwnPropertyNames(p)) {
      // `setSocket` is marked @private in ws (its server calls it).
      if (name.startsWith('_') || name === 'constructor' || name === 'setSocket') continue;
      const d = Object.getOwnPropertyDescriptor(p, name);
      const kind = typeof d.value === 'function' ? 'method' : d.get ? (d.set ? 'accessor rw' : 'getter') : typeof d.value;
      out.push(`${name}: ${kind}`);
    }
  }
  return [...new Set(out)].sort();
}

describe('compat: API surface', () => {
  compare('WebSocket and WebSocketServer public members', async (t) => {
    t.log('WebSocket', 'prototype', members(t.WebSocket.prototype));
    t.log('WebSocket', 'statics', ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].map((k) => t.WebSocket[k]));
    t.log('WebSocketServer', 'prototype', members(t.WebSocketServer.prototype));
    t.log('createWebSocketStream', typeof t.createWebSocketStream, t.createWebSocketStream.length);
  });

  compare('instance own enumerable public properties and EventEmitter behaviour', async (t) => {
    const { wss, url } = await t.server();
    const conn = t.connection(wss);
    const ws = t.client(url);
    const [sws] = await conn;
    await t.opened(ws);
    t.log('client', 'is EventEmitter', typeof ws.on, typeof ws.emit, typeof ws.listenerCount, ws instanceof require('events'));
    t.log('server', 'is EventEmitter', sws instanceof require('events'), sws instanceof t.serverMod.WebSocketBase);
    // Known deliberate difference: uws's own listener has a handshake
    // timeout, exposed as `options.handshakeTimeout`; left out here.
    const options = {};
    for (const k of Object.keys(wss.options).sort()) {
      if (k === 'handshakeTimeout') continue;
      const v = wss.options[k];
      options[k] = typeof v === 'function' ? `function ${v === t.serverMod.WebSocketBase ? 'WebSocket' : v.name}` : v;
    }
    t.log('wss', 'is EventEmitter', wss instanceof require('events'), options);
    ws.close();
    await t.allClosed();
  });
});
