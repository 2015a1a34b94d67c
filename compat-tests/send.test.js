'use strict';

//
// `send()`: every input type and option, observed by a raw peer (so that
// the exact frames are recorded), and send callbacks.
//

const { compare, describeFrame } = require('./harness');
const { clientWithRawPeer, pair, serverWithRawPeer } = require('./peers');

function inputs() {
  const ab = new ArrayBuffer(8);
  new Uint8Array(ab).set([1, 2, 3, 4, 5, 6, 7, 8]);
  const out = [
    ['string', 'hello'],
    ['unicode string', 'ü€𝄞'],
    ['empty string', ''],
    ['Buffer', Buffer.from([0xde, 0xad, 0xbe, 0xef])],
    ['Buffer slice', Buffer.from('abcdefgh').subarray(2, 5)],
    ['empty Buffer', Buffer.alloc(0)],
    ['ArrayBuffer', ab],
    ['DataView', new DataView(ab, 2, 4)],
    ['number', 42],
    ['float number', 1.5],
    ['zero', 0]
  ];
  for (const C of [
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array
  ]) {
    const big = C === BigInt64Array || C === BigUint64Array;
    out.push([C.name, C.from(big ? [1n, 2n] : [1, 2, 3])]);
    out.push([`${C.name} view with offset`, new C(new ArrayBuffer(32), 8, 2)]);
  }
  return out;
}

/**
 * Sends each `[label, data, options?]` case from `sender` (with no options
 * argument where the case has none) and logs the frame the raw peer reads.
 */
async function sendEach(t, sender, peer, cases) {
  for (const [label, data, ...options] of cases) {
    sender.send(data, ...options, (err) => t.log('cb', label, err));
    t.log('peer', label, describeFrame(await peer.next()));
  }
}

describe('compat: send', () => {
  compare('client send: every input type (frames seen by a raw server)', async (t) => {
    const { ws, peer } = await clientWithRawPeer(t);
    await sendEach(t, ws, peer, inputs());
    ws.terminate();
    await t.allClosed();
  });

  compare('server send: every input type (frames seen by a raw client)', async (t) => {
    const { sws, peer } = await serverWithRawPeer(t);
    await sendEach(t, sws, peer, inputs());
    sws.terminate();
    await t.allClosed();
  });

  compare('send a Blob (client and server), in order with other messages', async (t) => {
    const { ws, sws } = await pair(t);
    const msgs = t.counter(sws, 'message');
    ws.send(new Blob(['blob-', 'data'], { type: 'text/plain' }), (e) => t.log('cb', 'blob', e));
    ws.send('after blob', (e) => t.log('cb', 'after blob', e));
    ws.send(new Blob([]), (e) => t.log('cb', 'empty blob', e));
    ws.send(new Blob([Buffer.from([1, 2])]), { binary: false });
    await msgs.wait(4);
    sws.send(new Blob(['x']));
    await t.once(ws, 'message');
    ws.close();
    await t.allClosed();
  });

  compare('send odd values: undefined, null, object, array, boolean', async (t) => {
    const { ws, peer } = await clientWithRawPeer(t);
    for (const [label, v] of [
      ['undefined', undefined],
      ['null', null],
      ['object', { a: 1 }],
      ['array', [1, 2, 300]],
      ['true', true],
      ['false', false],
      ['NaN', NaN]
    ]) {
      const r = t.throws(() => ws.send(v));
      t.log('sender', label, r);
      if (r === 'no throw') t.log('peer', label, describeFrame(await peer.next()));
    }
    ws.terminate();
    await t.allClosed();
  });

  compare('send options: binary, fin, compress, mask (client)', async (t) => {
    const { ws, peer } = await clientWithRawPeer(t);
    const cases = [
      ['string binary:true', 'abc', { binary: true }],
      ['Buffer binary:false', Buffer.from('abc'), { binary: false }],
      ['compress:true (no extension)', 'c', { compress: true }],
      ['compress:false', 'c', { compress: false }],
      ['mask:false', 'unmasked', { mask: false }],
      ['mask:true', 'masked', { mask: true }],
      ['fin:false text', 'part1', { fin: false }],
      ['fin:false continuation', 'part2', { fin: false, binary: true }],
      ['fin:true end', Buffer.from('part3'), { fin: true }],
      ['fin:false binary', Buffer.from([1]), { fin: false }],
      ['continuation as text', 'x', { fin: true }],
      ['empty fin:false', '', { fin: false }],
      ['empty fin:true', '', {}]
    ];
    await sendEach(t, ws, peer, cases);
    ws.terminate();
    await t.allClosed();
  });

  compare('send options: mask:true and fragmentation (server)', async (t) => {
    const { sws, peer } = await serverWithRawPeer(t);
    const cases = [
      ['mask:true', 'masked', { mask: true }],
      ['mask:false', 'plain', { mask: false }],
      ['binary:true', 'b', { binary: true }],
      ['fin:false', 'a', { fin: false }],
      ['fin:true', 'b', { fin: true }]
    ];
    await sendEach(t, sws, peer, cases);
    sws.terminate();
    await t.allClosed();
  });

  compare('fragmented message delivered whole, interleaved with ping', async (t) => {
    const { ws, sws } = await pair(t);
    ws.send('frag-', { fin: false });
    ws.ping('mid');
    ws.send(Buffer.from('ment'), { fin: true });
    await t.once(sws, 'message');
    ws.send(Buffer.from([1]), { fin: false, binary: true });
    ws.send(Buffer.from([2]), { fin: false });
    ws.send('', { fin: true });
    await t.once(sws, 'message');
    ws.close();
    await t.allClosed();
  });

  compare('send callback order and errors in each readyState', async (t) => {
    const { wss, url } = await t.server();
    const conn = t.connection(wss);
    const ws = t.client(url);
    t.logThrows('client', 'send while CONNECTING', () => ws.send('x'));
    t.logThrows('client', 'send cb while CONNECTING', () => ws.send('x', () => t.log('client', 'cb called')));
    t.log('client', 'bufferedAmount CONNECTING', ws.bufferedAmount);
    await t.opened(ws);
    const [sws] = await conn;
    t.watch(sws, 'server');
    const msgs = t.counter(sws, 'message');
    ws.send('one', (err) => t.log('client', 'cb one', err));
    ws.send('two', {}, (err) => t.log('client', 'cb two', err));
    ws.send('three', { binary: true }, (err) => t.log('client', 'cb three', err));
    await msgs.wait(3);
    ws.close(1000);
    ws.send('while closing', (err) => t.log('client', 'cb closing', err, ws.readyState));
    t.log('client', 'bufferedAmount CLOSING', ws.bufferedAmount);
    ws.send(Buffer.alloc(10), (err) => t.log('client', 'cb closing 2', err));
    t.log('client', 'bufferedAmount CLOSING 2', ws.bufferedAmount);
    await t.allClosed();
    ws.send('after', (err) => t.log('client', 'cb closed', err));
    ws.send(123);
    ws.send(new Blob(['abcd']));
    ws.send(new Uint16Array(3));
    t.log('client', 'bufferedAmount CLOSED', ws.bufferedAmount);
    await t.settle();
  });

  compare('send after the peer closed the TCP connection (server side)', async (t) => {
    const { sws, peer } = await serverWithRawPeer(t);
    peer.socket.destroy();
    await t.allClosed();
    sws.send('late', (err) => t.log('server', 'cb', err));
    t.log('server', 'bufferedAmount', sws.bufferedAmount);
    await t.settle();
  });

  compare('large message send callback and bufferedAmount before/after', async (t) => {
    const { wss, url } = await t.server();
    const conn = t.connection(wss);
    const ws = t.client(url);
    await t.opened(ws);
    const [sws] = await conn;
    t.log('client', 'bufferedAmount open', ws.bufferedAmount);
    const done = t.deferred();
    ws.send(Buffer.alloc(1 << 20, 1), (err) => {
      t.log('client', 'cb', err);
      done.resolve();
    });
    const [data] = await t.once(sws, 'message');
    t.log('server', 'got', data.length);
    await done;
    t.log('client', 'bufferedAmount after cb', ws.bufferedAmount);
    ws.close();
    await t.allClosed();
  });
});
