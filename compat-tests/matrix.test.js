'use strict';

//
// The mixed matrix: core echo / close scenarios between every combination
// of uws and ws client and server must record exactly what ws ↔ ws records.
//

const { matrix, describeUpgradeRequest } = require('./harness');
const { pair } = require('./peers');

describe('compat: mixed matrix', () => {
  matrix('echo text, binary, empty and large messages then client close', async (t) => {
    const { wss, url } = await t.server();
    wss.on('connection', (ws, req) => {
      t.log('server', 'connection', describeUpgradeRequest(req, ['sec-websocket-version', 'upgrade']), ws.protocol, ws.readyState);
      t.watch(ws, 'server');
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
    const ws = t.client(`${url}/path?x=1`);
    t.log('client', 'readyState', ws.readyState, ws.url, ws.protocol, ws.extensions);
    await t.opened(ws);
    const msgs = ['hello', Buffer.from([0, 1, 2, 255]), '', Buffer.alloc(0), 'ü€𝄞', Buffer.alloc(70000, 7), 'x'.repeat(200)];
    for (const m of msgs) {
      ws.send(m);
      await t.once(ws, 'message');
    }
    ws.close(1000, 'bye');
    t.log('client', 'after close()', ws.readyState);
    await t.allClosed();
    t.log('client', 'final', ws.readyState, ws.bufferedAmount);
  });

  matrix('server closes with code and reason, client sends after close', async (t) => {
    const { ws, sws } = await pair(t);
    ws.send('before');
    await t.once(sws, 'message');
    sws.close(4001, 'custom reason');
    t.log('server', 'after close()', sws.readyState);
    await Promise.all([t.closed(ws), t.closed(sws)]);
    ws.send('late', (err) => t.log('client', 'send cb', err));
    t.log('client', 'bufferedAmount', ws.bufferedAmount);
    await t.settle();
  });

  matrix('ping/pong both ways with payloads', async (t) => {
    const { ws, sws } = await pair(t);
    ws.ping('from-client');
    await t.once(ws, 'pong');
    sws.ping(Buffer.from([1, 2, 3]));
    await t.once(sws, 'pong');
    ws.pong();
    await t.once(sws, 'pong');
    sws.close();
    await Promise.all([t.closed(ws), t.closed(sws)]);
  });

  matrix('subprotocol negotiation and terminate', async (t) => {
    const serverOptions = {
      handleProtocols: (protocols, req) => {
        t.log('server', 'handleProtocols', [...protocols]);
        return 'b';
      }
    };
    const { ws, sws } = await pair(t, serverOptions, undefined, { protocols: ['a', 'b'] });
    t.log('client', 'protocol', ws.protocol);
    t.log('server', 'protocol', sws.protocol);
    ws.terminate();
    t.log('client', 'after terminate()', ws.readyState);
    await Promise.all([t.closed(ws), t.closed(sws)]);
  });

  matrix('fragmented send and 1001 close from server', async (t) => {
    const { ws, sws } = await pair(t);
    ws.send('ab', { fin: false });
    ws.send('cd', { fin: false });
    ws.send('ef', { fin: true });
    await t.once(sws, 'message');
    sws.send(Buffer.from('x'), { fin: false });
    sws.send(Buffer.from('y'), { fin: true });
    await t.once(ws, 'message');
    sws.close(1001);
    await Promise.all([t.closed(ws), t.closed(sws)]);
  });
});
