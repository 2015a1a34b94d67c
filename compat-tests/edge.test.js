'use strict';

//
// Edge cases of timing that a user can observe deterministically: bytes
// sent together with the upgrade request, closing inside the 'connection'
// handler, microtask interleaving with allowSynchronousEvents.
//

const http = require('http');

const { compare, describeFrame, frame, OPCODES } = require('./harness');
const { clientWithRawPeer } = require('./peers');
const { upgradeRequest } = require('../test/helpers/http-raw');

/** A raw client that writes the upgrade request and two frames in one write. */
async function eagerClient(t, port, path = '/') {
  const raw = Buffer.concat([
    Buffer.from(upgradeRequest({ path })),
    frame({ opcode: OPCODES.text, payload: 'eager 1' }),
    frame({ opcode: OPCODES.binary, payload: Buffer.from([1, 2]) })
  ]);
  return t.rawClient(port, { raw });
}

/**
 * A WebSocketServer of the module under test on its own port ('port'),
 * attached to an http.Server ('server') or fed by that server's 'upgrade'
 * events ('noServer'). Resolves with `{ wss, port, url }`.
 */
async function serverInMode(t, mode) {
  if (mode === 'port') return t.server();
  const server = http.createServer();
  let wss;
  if (mode === 'server') {
    wss = t.trackWss(new t.WebSocketServer({ server }));
  } else {
    wss = t.trackWss(new t.WebSocketServer({ noServer: true }));
    server.on('upgrade', (req, socket, head) => {
      t.log('upgrade', 'head bytes', head.length > 0);
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    });
  }
  const port = await t.listen(server);
  return { wss, port, url: `ws://127.0.0.1:${port}` };
}

describe('compat: edge cases', () => {
  for (const mode of ['port', 'server', 'noServer']) {
    compare(`${mode}: frames sent in the same write as the upgrade request are not lost`, async (t) => {
      const { wss, port } = await serverInMode(t, mode);
      const msgs = t.deferred();
      wss.on('connection', (ws) => {
        t.watch(ws, 'server');
        const c = t.counter(ws, 'message');
        c.wait(2).then(() => {
          ws.send('got both');
          msgs.resolve();
        });
      });
      const peer = await eagerClient(t, port);
      t.log('peer', 'status', peer.head && peer.head.status);
      await msgs;
      t.log('peer', describeFrame(await peer.next()));
      peer.socket.destroy();
      await t.allClosed();
    });
  }

  compare('server closes inside the connection handler', async (t) => {
    const { wss, url } = await t.server();
    wss.on('connection', (ws) => {
      t.watch(ws, 'server');
      ws.send('hello then bye');
      ws.close(4000, 'immediately');
      t.log('server', 'state', ws.readyState);
    });
    const ws = t.client(url);
    await t.closed(ws);
    await t.allClosed();
  });

  for (const mode of ['port', 'server']) {
    const scenario = async (t) => {
      const { wss, url } = await serverInMode(t, mode);
      wss.on('connection', (ws) => {
        t.watch(ws, 'server');
        ws.send('sent before terminate');
        ws.terminate();
      });
      const ws = t.client(url);
      await t.closed(ws);
      await t.allClosed();
    };
    const name = `${mode}: server send() then terminate() inside the connection handler`;
    compare(name, scenario);
  }

  for (const allowSynchronousEvents of [undefined, true, false]) {
    compare(`allowSynchronousEvents ${allowSynchronousEvents}: microtasks between messages of one chunk`, async (t) => {
      const opts = allowSynchronousEvents === undefined ? undefined : { allowSynchronousEvents };
      const { ws, peer } = await clientWithRawPeer(t, opts);
      const msgs = t.counter(ws, 'message');
      ws.on('message', (d) => {
        t.log('order', 'message', String(d));
        queueMicrotask(() => t.log('order', 'microtask', String(d)));
      });
      ws.on('ping', () => {
        t.log('order', 'ping');
        queueMicrotask(() => t.log('order', 'microtask ping'));
      });
      peer.write(
        Buffer.concat([
          frame({ opcode: OPCODES.text, mask: false, payload: 'a' }),
          frame({ opcode: OPCODES.ping, mask: false }),
          frame({ opcode: OPCODES.text, mask: false, payload: 'b' }),
          frame({ opcode: OPCODES.text, mask: false, payload: 'c' })
        ])
      );
      await msgs.wait(3);
      await t.settle(10);
      ws.terminate();
      await t.allClosed();
    });
  }
});
