'use strict';

//
// Receiving: pause()/resume(), binaryType, maxPayload, skipUTF8Validation,
// and protocol errors produced by a raw peer.
//
// Known deliberate difference: uws detects invalid UTF-8 in a fragmented
// text message at the first bad fragment, ws at the end of the message. The
// scenarios below send every fragment in one write with no control frame in
// between, so that only the (identical) close code and error are observed.
//

const { compare, describeFrame, frame, closePayload, OPCODES } = require('./harness');
const { acceptRawClient, clientWithRawPeer, pair, serverWithRawPeer } = require('./peers');

/** Text/binary frames from a server (unmasked). */
const S = (opcode, payload, o = {}) => frame({ opcode, payload, mask: false, ...o });

describe('compat: receiving', () => {
  compare('pause() holds messages, resume() delivers them in order', async (t) => {
    const { ws, sws } = await pair(t);
    t.log('client', 'isPaused', ws.isPaused);
    ws.pause();
    t.log('client', 'isPaused after pause()', ws.isPaused);
    sws.send('one');
    sws.send(Buffer.from('two'));
    sws.ping('p');
    sws.send('three');
    sws.send('done');
    await t.settle(60);
    t.log('client', 'resuming');
    const msgs = t.counter(ws, 'message');
    ws.resume();
    t.log('client', 'isPaused after resume()', ws.isPaused);
    await msgs.wait(4);
    ws.pause();
    ws.pause();
    sws.send('held');
    sws.close(1000, 'closing while paused');
    await t.settle(60);
    t.log('client', 'still paused', ws.readyState, ws.isPaused);
    ws.resume();
    await t.allClosed();
  });

  compare('pause()/resume() while CONNECTING and after close', async (t) => {
    const { url } = await t.server();
    const ws = t.client(url);
    ws.pause();
    t.log('client', 'isPaused CONNECTING', ws.isPaused);
    ws.resume();
    await t.opened(ws);
    ws.close();
    await t.closed(ws);
    ws.pause();
    t.log('client', 'isPaused CLOSED', ws.isPaused);
    ws.resume();
    t.log('client', 'isPaused CLOSED resume', ws.isPaused);
  });

  compare('server-side pause(): client messages held until resume()', async (t) => {
    const { ws, sws } = await pair(t);
    sws.pause();
    ws.send('a');
    ws.send('b');
    await t.settle(60);
    t.log('server', 'resume');
    const msgs = t.counter(sws, 'message');
    sws.resume();
    await msgs.wait(2);
    ws.close();
    await t.allClosed();
  });

  for (const type of ['nodebuffer', 'arraybuffer', 'fragments', 'blob']) {
    compare(`binaryType ${type}: binary, fragmented, empty and text messages`, async (t) => {
      const { ws, peer } = await clientWithRawPeer(t);
      t.log('client', 'default binaryType', ws.binaryType);
      ws.binaryType = type;
      t.log('client', 'binaryType', ws.binaryType);
      const done = t.deferred();
      let n = 0;
      const blobs = [];
      ws.on('message', (data) => {
        n++;
        if (typeof Blob !== 'undefined' && data instanceof Blob) blobs.push(data);
        if (n === 5) done.resolve();
      });
      peer.write(
        Buffer.concat([
          S(OPCODES.binary, Buffer.from([1, 2, 3])),
          S(OPCODES.binary, 'ab', { fin: false }),
          S(OPCODES.continuation, 'cd', { fin: false }),
          S(OPCODES.continuation, 'ef'),
          S(OPCODES.binary, ''),
          S(OPCODES.text, 'text'),
          S(OPCODES.text, 'te', { fin: false }),
          S(OPCODES.continuation, 'xt')
        ])
      );
      await done;
      for (const b of blobs) t.log('content', Buffer.from(await b.arrayBuffer()));
      ws.terminate();
      await t.allClosed();
    });
  }

  compare('binaryType: invalid values are ignored; server side binaryType', async (t) => {
    const { ws, sws } = await pair(t);
    for (const v of ['invalid', 'ArrayBuffer', '', null, undefined, 'blob', 'fragments']) {
      t.logThrows('client', `set ${v}`, () => {
        ws.binaryType = v;
      });
      t.log('client', 'now', ws.binaryType);
    }
    sws.binaryType = 'arraybuffer';
    ws.send(Buffer.from([5, 6]));
    await t.once(sws, 'message');
    ws.close();
    await t.allClosed();
  });

  compare('client maxPayload: exact limit ok, one more byte fails with 1009', async (t) => {
    const { ws, peer } = await clientWithRawPeer(t, { maxPayload: 10 });
    peer.write(S(OPCODES.binary, Buffer.alloc(10)));
    await t.once(ws, 'message');
    peer.write(S(OPCODES.binary, Buffer.alloc(11)));
    t.log('peer', describeFrame(await peer.next()));
    peer.socket.end();
    await t.allClosed();
  });

  compare('client maxPayload: fragmented message over the limit', async (t) => {
    const { ws, peer } = await clientWithRawPeer(t, { maxPayload: 10 });
    peer.write(Buffer.concat([S(OPCODES.text, '123456', { fin: false }), S(OPCODES.continuation, '78901')]));
    t.log('peer', describeFrame(await peer.next()));
    peer.socket.end();
    await t.allClosed();
  });

  compare('server maxPayload: over the limit closes with 1009', async (t) => {
    const { ws, sws } = await pair(t, { maxPayload: 5 });
    ws.send('12345');
    await t.once(sws, 'message');
    ws.send('123456');
    await t.allClosed();
  });

  compare('invalid UTF-8 text: error 1007, or delivered with skipUTF8Validation', async (t) => {
    for (const options of [{}, { skipUTF8Validation: true }]) {
      const { ws, peer } = await clientWithRawPeer(t, options);
      t.log('client', 'options', options);
      peer.write(S(OPCODES.text, Buffer.from([0x68, 0xff, 0x69])));
      peer.write(Buffer.concat([S(OPCODES.text, Buffer.from([0xe2, 0x82]), { fin: false }), S(OPCODES.continuation, Buffer.from([0x28]))]));
      peer.write(S(OPCODES.text, 'valid'));
      if (options.skipUTF8Validation) {
        const msgs = t.counter(ws, 'message');
        await msgs.wait(3);
        ws.close();
      }
      t.log('peer', describeFrame(await peer.next()));
      peer.socket.end();
      await t.closed(ws);
    }
  });

  compare('server skipUTF8Validation', async (t) => {
    for (const options of [{}, { skipUTF8Validation: true }]) {
      const { sws, peer } = await serverWithRawPeer(t, options);
      t.log('server', 'options', options);
      peer.write(frame({ opcode: OPCODES.text, payload: Buffer.from([0xc0, 0x80]) }));
      if (options.skipUTF8Validation) {
        await t.once(sws, 'message');
        sws.close();
      }
      t.log('peer', describeFrame(await peer.next()));
      peer.socket.end();
      await t.closed(sws);
    }
  });

  compare('UTF-8 split across fragments is valid', async (t) => {
    const { ws, peer } = await clientWithRawPeer(t);
    const euro = Buffer.from('€');
    peer.write(S(OPCODES.text, euro.subarray(0, 1), { fin: false }));
    await t.settle(10);
    peer.write(S(OPCODES.continuation, euro.subarray(1, 2), { fin: false }));
    await t.settle(10);
    peer.write(S(OPCODES.continuation, euro.subarray(2)));
    await t.once(ws, 'message');
    ws.terminate();
    await t.allClosed();
  });

  const clientSideErrors = [
    ['RSV1 set', S(OPCODES.text, 'x', { rsv1: true })],
    ['RSV2 set', S(OPCODES.text, 'x', { rsv2: true })],
    ['RSV3 set', S(OPCODES.text, 'x', { rsv3: true })],
    ['opcode 3', S(3, 'x')],
    ['opcode 0xb', S(0xb, 'x')],
    ['continuation first', S(OPCODES.continuation, 'x')],
    ['text inside fragmented message', Buffer.concat([S(OPCODES.text, 'a', { fin: false }), S(OPCODES.text, 'b')])],
    ['masked frame from server', frame({ opcode: OPCODES.text, payload: 'x', mask: true })],
    ['64-bit length > 2^53-1', S(OPCODES.binary, '', { lengthEncoding: 64, length: 2n ** 53n })],
    ['close 1-byte', S(OPCODES.close, Buffer.from([1]))],
    ['non-minimal length encoding (valid)', S(OPCODES.text, 'ok', { lengthEncoding: 16 })]
  ];
  compare('client: protocol errors from a raw server', async (t) => {
    for (const [label, bytes] of clientSideErrors) {
      const { ws, peer } = await clientWithRawPeer(t);
      t.log('client', label);
      peer.write(bytes);
      peer.write(S(OPCODES.close, closePayload(1000, 'end')));
      t.log('peer', label, describeFrame(await peer.next()));
      peer.socket.end();
      await t.closed(ws);
    }
  });

  compare('server: protocol errors from a raw client', async (t) => {
    const cases = [
      ['unmasked frame', frame({ opcode: OPCODES.text, payload: 'x', mask: false })],
      ['RSV1 set', frame({ opcode: OPCODES.binary, payload: 'x', rsv1: true })],
      ['opcode 7', frame({ opcode: 7 })],
      ['invalid UTF-8', frame({ opcode: OPCODES.text, payload: Buffer.from([0xed, 0xa0, 0x80]) })],
      ['ping 126 bytes', frame({ opcode: OPCODES.ping, payload: Buffer.alloc(126) })],
      ['continuation first', frame({ opcode: OPCODES.continuation, payload: 'x' })]
    ];
    const { wss, port } = await t.server();
    for (const [label, bytes] of cases) {
      const { sws, peer } = await acceptRawClient(t, wss, port);
      t.log('server', label);
      peer.write(bytes);
      t.log('peer', label, describeFrame(await peer.next()));
      t.log('peer', label, await peer.ended);
      await t.closed(sws);
    }
  });

  compare('frames split into single bytes are reassembled', async (t) => {
    const { ws, peer } = await clientWithRawPeer(t);
    const bytes = Buffer.concat([
      S(OPCODES.text, 'split'),
      S(OPCODES.binary, Buffer.alloc(300, 2)),
      S(OPCODES.ping, 'pp')
    ]);
    for (const b of bytes) {
      peer.write(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
    t.log('peer', describeFrame(await peer.next()));
    ws.terminate();
    await t.allClosed();
  });

  compare('messages arriving in the same chunk as the 101 response', async (t) => {
    const { url } = await t.rawServer((socket, req) => {
      socket.write(
        Buffer.concat([
          Buffer.from(t.switching(req)),
          S(OPCODES.text, 'early'),
          S(OPCODES.ping, 'e'),
          S(OPCODES.binary, Buffer.from([7]))
        ])
      );
    });
    const ws = t.client(url);
    const msgs = t.counter(ws, 'message');
    await msgs.wait(2);
    ws.terminate();
    await t.allClosed();
  });
});
