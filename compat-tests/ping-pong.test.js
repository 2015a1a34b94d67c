'use strict';

//
// ping() / pong(): payload types, callbacks, limits, automatic pongs and
// `autoPong: false`. Automatic pongs are observed for their payload and
// opcode only (uws does not apply `generateMask` to them: known difference).
//

const { compare, describeFrame, frame, OPCODES } = require('./harness');
const { clientWithRawPeer, pair, serverWithRawPeer } = require('./peers');

const PAYLOADS = [
  ['none', []],
  ['undefined', [undefined]],
  ['string', ['hi']],
  ['empty string', ['']],
  ['Buffer', [Buffer.from([0, 1, 2])]],
  ['number', [123]],
  ['ArrayBuffer', [new Uint8Array([9, 8]).buffer]],
  ['Uint16Array', [new Uint16Array([1, 2])]],
  ['DataView', [new DataView(new ArrayBuffer(3))]],
  ['125 bytes', [Buffer.alloc(125, 0x61)]],
  ['mask false', ['m', false]],
  ['mask true', ['m', true]]
];

describe('compat: ping and pong', () => {
  for (const method of ['ping', 'pong']) {
    compare(`client ${method}(): payload types and callbacks (frames seen by a raw server)`, async (t) => {
      const { ws, peer } = await clientWithRawPeer(t);
      for (const [label, args] of PAYLOADS) {
        const r = t.throws(() => ws[method](...args, (err) => t.log('cb', label, err)));
        t.log('client', label, r);
        if (r === 'no throw') t.log('peer', label, describeFrame(await peer.next()));
      }
      for (const [label, args] of [
        ['126 bytes', [Buffer.alloc(126)]],
        ['126-byte string', ['x'.repeat(126)]],
        ['object', [{}]],
        ['boolean', [true]]
      ]) {
        t.logThrows('client', label, () => ws[method](...args, (err) => t.log('cb', label, err)));
      }
      ws.terminate();
      await t.allClosed();
    });

    compare(`server ${method}(): payload types (frames seen by a raw client)`, async (t) => {
      const { sws, peer } = await serverWithRawPeer(t);
      for (const [label, args] of PAYLOADS) {
        const r = t.throws(() => sws[method](...args, (err) => t.log('cb', label, err)));
        t.log('server', label, r);
        if (r === 'no throw') t.log('peer', label, describeFrame(await peer.next()));
      }
      sws.terminate();
      await t.allClosed();
    });

    compare(`${method}() while CONNECTING and CLOSED`, async (t) => {
      const { wss, url } = await t.server();
      const ws = t.client(url);
      t.logThrows('client', `${method} CONNECTING`, () => ws[method]());
      t.logThrows('client', `${method} CONNECTING with cb`, () => ws[method]('x', true, () => t.log('client', 'cb')));
      await t.opened(ws);
      ws.close();
      await t.closed(ws);
      t.logThrows('client', `${method} CLOSED`, () => ws[method]('abc', (err) => t.log('client', 'cb closed', err)));
      t.log('client', 'bufferedAmount', ws.bufferedAmount);
      await t.settle();
      wss.close();
    });
  }

  compare('automatic pong to pings from a raw server (payloads) and ping events', async (t) => {
    const { ws, peer } = await clientWithRawPeer(t);
    for (const payload of ['', 'abc', Buffer.alloc(125, 1)]) {
      peer.write(frame({ opcode: OPCODES.ping, mask: false, payload }));
      const f = await peer.next();
      t.log('peer', 'got', f.opcode, f.fin, f.masked, describeFrame(f).payload);
    }
    peer.write(frame({ opcode: OPCODES.pong, mask: false, payload: 'unsolicited' }));
    await t.once(ws, 'pong');
    ws.close();
    t.log('peer', describeFrame(await peer.next()));
    peer.socket.end();
    await t.allClosed();
  });

  compare('automatic pong from the server to a raw client', async (t) => {
    const { sws, peer } = await serverWithRawPeer(t);
    peer.write(frame({ opcode: OPCODES.ping, payload: 'p1' }));
    const f = await peer.next();
    t.log('peer', 'got', f.opcode, f.masked, describeFrame(f).payload);
    peer.write(frame({ opcode: OPCODES.pong, payload: 'unsolicited' }));
    await t.once(sws, 'pong');
    sws.terminate();
    await t.allClosed();
  });

  compare('autoPong: false on the client: ping event but no pong', async (t) => {
    const { ws, peer } = await clientWithRawPeer(t, { autoPong: false });
    peer.write(frame({ opcode: OPCODES.ping, mask: false, payload: 'no reply' }));
    await t.once(ws, 'ping');
    peer.write(frame({ opcode: OPCODES.text, mask: false, payload: 'marker' }));
    await t.once(ws, 'message');
    ws.send('after');
    t.log('peer', 'next frame', describeFrame(await peer.next()));
    ws.terminate();
    await t.allClosed();
  });

  compare('autoPong: false on the server: ping event but no pong', async (t) => {
    const { sws, peer } = await serverWithRawPeer(t, { autoPong: false });
    peer.write(frame({ opcode: OPCODES.ping, payload: 'no reply' }));
    await t.once(sws, 'ping');
    sws.send('after');
    t.log('peer', 'next frame', describeFrame(await peer.next()));
    sws.terminate();
    await t.allClosed();
  });

  compare('ping/pong round trip between client and server with callbacks', async (t) => {
    const { ws, sws } = await pair(t);
    ws.ping(undefined, undefined, (e) => t.log('client', 'ping cb', e));
    await t.once(ws, 'pong');
    ws.ping('payload', (e) => t.log('client', 'ping cb 2', e));
    await t.once(ws, 'pong');
    sws.ping(Buffer.from('srv'), false, (e) => t.log('server', 'ping cb', e));
    await t.once(sws, 'pong');
    sws.pong('x', (e) => t.log('server', 'pong cb', e));
    await t.once(ws, 'pong');
    ws.close();
    await t.allClosed();
  });

  compare('server ping(data, mask=true): the client rejects the masked frame', async (t) => {
    const { ws, sws } = await pair(t);
    sws.ping('masked', true, (e) => t.log('server', 'ping cb', e));
    await t.allClosed();
  });

  compare('invalid control frames from a raw server: too long ping, fragmented ping', async (t) => {
    for (const [label, f] of [
      ['ping 126 bytes', frame({ opcode: OPCODES.ping, mask: false, payload: Buffer.alloc(126) })],
      ['ping fin=0', frame({ opcode: OPCODES.ping, mask: false, fin: false, payload: 'x' })],
      ['pong fin=0', frame({ opcode: OPCODES.pong, mask: false, fin: false })]
    ]) {
      const { ws, peer } = await clientWithRawPeer(t);
      t.log('client', label);
      peer.write(f);
      t.log('peer', label, describeFrame(await peer.next()));
      peer.socket.destroy();
      await t.closed(ws);
    }
  });
});
