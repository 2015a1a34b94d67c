'use strict';

//
// close() and terminate() in every readyState, from either side; close code
// and reason validation; close frames a raw peer sends.
//

const { compare, describeFrame, frame, closePayload, OPCODES } = require('./harness');
const { acceptRawClient, clientWithRawPeer, pair } = require('./peers');

/** A server that accepts TCP connections and never answers the upgrade request. */
async function silentServer(t) {
  const seen = t.deferred();
  const { url } = await t.rawServer((socket, req) => {
    seen.resolve(req);
  });
  return { url, seen };
}

describe('compat: close and terminate', () => {
  for (const method of ['close', 'terminate']) {
    compare(`client ${method}() while CONNECTING (request sent, no response)`, async (t) => {
      const { url, seen } = await silentServer(t);
      const ws = t.client(url);
      await seen;
      t.logThrows('client', `${method}()`, () => ws[method]());
      t.log('client', 'readyState after', ws.readyState);
      await t.allClosed();
      t.logThrows('client', `${method}() again`, () => ws[method]());
      t.log('client', 'readyState end', ws.readyState);
      await t.settle();
    });

    compare(`client ${method}() synchronously after the constructor`, async (t) => {
      const { url } = await silentServer(t);
      const ws = t.client(url);
      t.logThrows('client', `${method}()`, () => ws[method](1000, 'x'));
      t.log('client', 'readyState after', ws.readyState);
      await t.allClosed();
      await t.settle();
    });
  }

  compare('client close(1000) while CONNECTING, then the server answers', async (t) => {
    const { wss, url } = await t.server();
    const ws = t.client(url);
    wss.on('headers', () => {
      t.logThrows('client', 'close() during handshake', () => ws.close(1000));
      t.log('client', 'readyState', ws.readyState);
    });
    await t.closed(ws);
    await t.settle();
  });

  for (const side of ['client', 'server']) {
    for (const args of [[], [1000], [1000, 'done'], [4999, 'x'], [3000, Buffer.from('buf reason')], [1001, ''], [undefined, 'ignored?']]) {
      compare(`${side} close(${args.map((a) => JSON.stringify(a)).join(', ')}) while OPEN`, async (t) => {
        const { ws, sws } = await pair(t);
        const closer = side === 'client' ? ws : sws;
        t.logThrows(side, 'close()', () => closer.close(...args));
        t.log(side, 'readyState after close()', closer.readyState);
        await t.allClosed();
      });
    }

    compare(`${side} terminate() while OPEN`, async (t) => {
      const { ws, sws } = await pair(t);
      const closer = side === 'client' ? ws : sws;
      closer.terminate();
      t.log(side, 'readyState after terminate()', closer.readyState);
      await t.allClosed();
      t.log(side, 'bufferedAmount', closer.bufferedAmount);
    });

    compare(`${side} close() / terminate() while CLOSING`, async (t) => {
      const { ws, sws } = await pair(t);
      const closer = side === 'client' ? ws : sws;
      closer.close(1000, 'first');
      t.logThrows(side, 'close() again', () => closer.close(4000, 'second'));
      t.logThrows(side, 'ping while CLOSING', () => closer.ping());
      t.logThrows(side, 'pong while CLOSING', () => closer.pong());
      t.log(side, 'readyState', closer.readyState);
      closer.terminate();
      t.log(side, 'readyState after terminate()', closer.readyState);
      await t.allClosed();
    });

    compare(`${side} close() / terminate() while CLOSED`, async (t) => {
      const { ws, sws } = await pair(t);
      const closer = side === 'client' ? ws : sws;
      closer.close();
      await t.allClosed();
      t.logThrows(side, 'close()', () => closer.close(1000, 'again'));
      t.logThrows(side, 'terminate()', () => closer.terminate());
      t.logThrows(side, 'close(999)', () => closer.close(999));
      t.logThrows(side, 'ping()', () => closer.ping('x', true, (e) => t.log(side, 'ping cb', e)));
      t.logThrows(side, 'pong()', () => closer.pong('x', true, (e) => t.log(side, 'pong cb', e)));
      t.log(side, 'readyState', closer.readyState, closer.bufferedAmount);
      await t.settle();
    });

    compare(`${side} close() while the peer is also closing (simultaneous close)`, async (t) => {
      const { ws, sws } = await pair(t);
      ws.close(4001, 'client');
      sws.close(4002, 'server');
      await t.allClosed();
    });
  }

  compare('close code and reason validation errors', async (t) => {
    const { ws } = await pair(t);
    const cases = [
      [0], [999], [1004], [1005], [1006], [1015], [1016],
      [2000], [2999], [5000], [65536], [-1], ['1000'], [null], [NaN],
      [1000, 'x'.repeat(124)], [1000, '€'.repeat(42)], [1000, Buffer.alloc(124)],
      [1000, 123], [1000, {}], [1000, '€'.repeat(41)], [1000.5]
    ];
    for (const args of cases) {
      const r = t.throws(() => ws.close(...args));
      t.log('client', `close(${args.map((a) => (typeof a === 'string' && a.length > 10 ? `<${Buffer.byteLength(a)} bytes>` : JSON.stringify(a))).join(', ')})`, r, ws.readyState);
      if (ws.readyState !== 1) break;
    }
    await t.allClosed();
  });

  compare('valid close codes round trip (1000-1014, 3000, 4999)', async (t) => {
    for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999]) {
      const { ws } = await pair(t);
      ws.close(code, `c${code}`);
      await t.allClosed();
    }
  });

  compare('client observes close frames from a raw server (codes, reasons, bad payloads)', async (t) => {
    const payloads = [
      ['empty', Buffer.alloc(0)],
      ['1000 with reason', closePayload(1000, 'ok')],
      ['1-byte payload', Buffer.from([3])],
      ['code 999', closePayload(999)],
      ['code 1004', closePayload(1004)],
      ['code 1005', closePayload(1005)],
      ['code 1006', closePayload(1006)],
      ['code 1015', closePayload(1015)],
      ['code 1016', closePayload(1016)],
      ['code 2999', closePayload(2999)],
      ['code 3000', closePayload(3000, 'r')],
      ['code 5000', closePayload(5000)],
      ['invalid UTF-8 reason', closePayload(1000, Buffer.from([0xc3, 0x28]))],
      ['123-byte reason', closePayload(1000, 'y'.repeat(123))]
    ];
    for (const [label, payload] of payloads) {
      const { ws, peer } = await clientWithRawPeer(t);
      t.log('client', label);
      peer.write(frame({ opcode: OPCODES.close, mask: false, payload }));
      t.log('peer', label, describeFrame(await peer.next()));
      t.log('peer', label, await peer.ended);
      peer.socket.destroy();
      await t.closed(ws);
    }
  });

  compare('client: raw server sends close and keeps TCP open; client ends TCP', async (t) => {
    const { ws, peer } = await clientWithRawPeer(t);
    peer.write(frame({ opcode: OPCODES.close, mask: false, payload: closePayload(4321, 'srv') }));
    t.log('peer', 'reply', describeFrame(await peer.next()));
    t.log('peer', 'ended', await peer.ended);
    peer.socket.end();
    await t.closed(ws);
  });

  compare('client: raw server sends data after its close frame (ignored)', async (t) => {
    const { ws, peer } = await clientWithRawPeer(t);
    peer.write(
      Buffer.concat([
        frame({ opcode: OPCODES.text, mask: false, payload: 'before' }),
        frame({ opcode: OPCODES.close, mask: false, payload: closePayload(1000) }),
        frame({ opcode: OPCODES.text, mask: false, payload: 'after' })
      ])
    );
    t.log('peer', 'reply', describeFrame(await peer.next()));
    await peer.ended;
    peer.socket.destroy();
    await t.closed(ws);
  });

  compare('client CLOSING: messages, pings and pongs that arrive before the close reply', async (t) => {
    const { ws, peer } = await clientWithRawPeer(t);
    ws.close(1000, 'client first');
    t.log('peer', 'got', describeFrame(await peer.next()));
    peer.write(
      Buffer.concat([
        frame({ opcode: OPCODES.text, mask: false, payload: 'late 1' }),
        frame({ opcode: OPCODES.ping, mask: false, payload: 'late ping' }),
        frame({ opcode: OPCODES.binary, mask: false, payload: Buffer.from([1]) }),
        frame({ opcode: OPCODES.close, mask: false, payload: closePayload(1001, 'server reply') })
      ])
    );
    t.log('peer', 'ended', await peer.ended);
    t.log('peer', 'frames after close', describeFrame(await Promise.race([peer.next(), new Promise((r) => setTimeout(() => r({ opcode: -1, payload: Buffer.alloc(0) }), 20))])));
    peer.socket.destroy();
    await t.closed(ws);
  });

  compare('client: raw server drops TCP without a close frame', async (t) => {
    const { ws, peer } = await clientWithRawPeer(t);
    peer.socket.end();
    await t.closed(ws);
    t.log('client', 'state', ws.readyState);
  });

  compare('server: raw client sends close frames with various codes', async (t) => {
    const { wss, port } = await t.server();
    for (const [label, payload] of [
      ['empty', Buffer.alloc(0)],
      ['1001 reason', closePayload(1001, 'going')],
      ['1-byte', Buffer.from([1])],
      ['1005', closePayload(1005)],
      ['4000', closePayload(4000, 'app')],
      ['bad utf8', closePayload(1000, Buffer.from([0xff]))]
    ]) {
      const { sws, peer } = await acceptRawClient(t, wss, port);
      t.log('server', label);
      peer.write(frame({ opcode: OPCODES.close, payload }));
      t.log('peer', label, describeFrame(await peer.next()));
      t.log('peer', label, await peer.ended);
      peer.socket.destroy();
      await t.closed(sws);
    }
  });

  compare('server: raw client sends close, the server replies and ends TCP', async (t) => {
    const { wss, port } = await t.server();
    const { sws, peer } = await acceptRawClient(t, wss, port);
    peer.write(frame({ opcode: OPCODES.close, payload: closePayload(1000, 'bye') }));
    t.log('peer', describeFrame(await peer.next()));
    t.log('peer', 'ended', await peer.ended);
    peer.socket.end();
    await t.closed(sws);
  });

  compare('server close() then the client never answers: terminate() finishes it', async (t) => {
    const { wss, port } = await t.server();
    const { sws, peer } = await acceptRawClient(t, wss, port);
    sws.close(1000, 'x');
    t.log('peer', describeFrame(await peer.next()));
    await t.settle();
    t.log('server', 'still', sws.readyState);
    sws.terminate();
    await t.closed(sws);
    t.log('peer', 'ended', await peer.ended);
  });
});
