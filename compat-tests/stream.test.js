'use strict';

//
// createWebSocketStream: data both ways, backpressure, the end / finish /
// close order, errors and destroy.
//

const { compare, frame, OPCODES } = require('./harness');
const { pairBeforeOpen } = require('./peers');

const DUPLEX_EVENTS = ['data', 'end', 'finish', 'close', 'error', 'drain'];

function watchDuplex(t, duplex, ch = 'duplex') {
  for (const e of DUPLEX_EVENTS) {
    if (e === 'data') continue;
    duplex.on(e, (...args) => t.log(ch, e, ...args));
  }
  return duplex;
}

function streamDone(duplex) {
  return new Promise((resolve) => duplex.once('close', resolve));
}

describe('compat: createWebSocketStream', () => {
  compare('data both ways, then the duplex ends: end/finish/close order', async (t) => {
    const { ws, sws } = await pairBeforeOpen(t);
    const duplex = watchDuplex(t, t.createWebSocketStream(ws));
    duplex.on('data', (d) => t.log('duplex', 'data', d));
    t.log('duplex', 'flags', duplex.readableObjectMode, duplex.writableObjectMode, duplex.allowHalfOpen);
    duplex.write('written before open', (err) => t.log('duplex', 'write cb', err));
    await t.once(sws, 'message');
    sws.send('from server');
    sws.send(Buffer.from([1, 2, 3]));
    await new Promise((r) => duplex.once('data', () => duplex.once('data', r)));
    duplex.end('last', () => t.log('duplex', 'end cb'));
    await Promise.all([streamDone(duplex), t.allClosed()]);
    t.log('duplex', 'final', duplex.destroyed, ws.readyState);
  });

  compare('server closes: duplex ends (readable side), then finishes', async (t) => {
    const { ws, sws } = await pairBeforeOpen(t);
    await t.opened(ws);
    const duplex = watchDuplex(t, t.createWebSocketStream(ws));
    duplex.on('data', (d) => t.log('duplex', 'data', d));
    const ended = new Promise((r) => duplex.once('end', r));
    sws.send('bye');
    sws.close(1000);
    await t.closed(ws);
    await ended;
    duplex.end();
    await streamDone(duplex);
    await t.allClosed();
  });

  compare('encoding and objectMode options', async (t) => {
    const { ws, sws } = await pairBeforeOpen(t);
    const duplex = watchDuplex(t, t.createWebSocketStream(ws, { encoding: 'utf8' }));
    duplex.on('data', (d) => t.log('duplex', 'data', typeof d, d));
    const s2 = watchDuplex(t, t.createWebSocketStream(ws, { readableObjectMode: true }), 'duplex2');
    s2.on('data', (d) => t.log('duplex2', 'data', typeof d, d));
    const ended = Promise.all([new Promise((r) => duplex.once('end', r)), new Promise((r) => s2.once('end', r))]);
    await t.opened(ws);
    sws.send('text');
    sws.send(Buffer.from('bin'));
    await new Promise((r) => s2.once('data', () => s2.once('data', r)));
    ws.close();
    await t.allClosed();
    await ended;
    duplex.destroy();
    s2.destroy();
    await Promise.all([streamDone(duplex), streamDone(s2)]);
  });

  compare('write backpressure: write() return values and drain', async (t) => {
    const { ws, sws } = await pairBeforeOpen(t);
    await t.opened(ws);
    const duplex = watchDuplex(t, t.createWebSocketStream(ws, { highWaterMark: 1024 }));
    const msgs = t.counter(sws, 'message');
    t.log('duplex', 'write small', duplex.write(Buffer.alloc(10)), duplex.writableLength);
    t.log('duplex', 'write big', duplex.write(Buffer.alloc(4096)), duplex.writableNeedDrain);
    await new Promise((r) => duplex.once('drain', r));
    t.log('duplex', 'after drain', duplex.writableLength, duplex.writableNeedDrain);
    await msgs.wait(2);
    duplex.destroy();
    await Promise.all([streamDone(duplex), t.allClosed()]);
  });

  compare('read backpressure: the socket is paused while the readable buffer is full', async (t) => {
    const { ws, sws } = await pairBeforeOpen(t);
    await t.opened(ws);
    const duplex = watchDuplex(t, t.createWebSocketStream(ws, { readableHighWaterMark: 4 }));
    t.log('client', 'isPaused start', ws.isPaused);
    sws.send('123456');
    await new Promise((r) => duplex.once('readable', r));
    t.log('client', 'isPaused after 6 bytes', ws.isPaused, duplex.readableLength);
    sws.send('next');
    await t.settle(30);
    t.log('client', 'nothing more buffered', duplex.readableLength);
    t.log('client', 'read', duplex.read());
    await new Promise((r) => duplex.once('readable', r));
    t.log('client', 'read 2', duplex.read(), ws.isPaused);
    duplex.destroy();
    await Promise.all([streamDone(duplex), t.allClosed()]);
  });

  compare('destroy() terminates the socket; destroy(err) emits error', async (t) => {
    for (const err of [undefined, new Error('boom')]) {
      const { ws } = await pairBeforeOpen(t);
      await t.opened(ws);
      const duplex = watchDuplex(t, t.createWebSocketStream(ws));
      duplex.destroy(err);
      t.log('client', 'readyState after destroy', ws.readyState);
      await Promise.all([streamDone(duplex), t.closed(ws)]);
      t.log('duplex', 'destroyed', duplex.destroyed);
    }
    await t.allClosed();
  });

  compare('a WebSocket protocol error destroys the duplex with the error', async (t) => {
    const got = t.deferred();
    const { url } = await t.rawWsServer((peer) => got.resolve(peer));
    const ws = t.client(url);
    const duplex = watchDuplex(t, t.createWebSocketStream(ws));
    duplex.on('data', (d) => t.log('duplex', 'data', d));
    const peer = await got;
    await t.opened(ws);
    peer.write(frame({ opcode: OPCODES.text, mask: false, payload: 'ok' }));
    peer.write(frame({ opcode: OPCODES.text, mask: false, payload: 'x', rsv2: true }));
    await peer.next();
    peer.socket.end();
    await Promise.all([streamDone(duplex), t.allClosed()]);
    t.log('duplex', 'write after', duplex.write('x', (e) => t.log('duplex', 'write cb', e)));
    await t.settle(10);
  });

  compare('handshake failure: the duplex gets the error', async (t) => {
    const { url } = await t.httpServer((req, res) => {
      res.writeHead(403);
      res.end('no');
    }).then(({ port }) => ({ url: `ws://127.0.0.1:${port}` }));
    const ws = t.client(url);
    const duplex = watchDuplex(t, t.createWebSocketStream(ws));
    duplex.write('pending', (e) => t.log('duplex', 'write cb', e));
    await Promise.all([streamDone(duplex), t.allClosed()]);
  });

  compare('server-side stream (pipe echo)', async (t) => {
    const { wss, url } = await t.server();
    wss.on('connection', (sws) => {
      t.track(sws);
      const d = t.createWebSocketStream === t.mod.createWebSocketStream ? t.createWebSocketStream(sws) : null;
      d.pipe(d);
    });
    const ws = t.client(url);
    await t.opened(ws);
    ws.send('echo me');
    await t.once(ws, 'message');
    ws.send(Buffer.from([0, 255]));
    await t.once(ws, 'message');
    ws.close();
    await t.allClosed();
  });
});
