'use strict';

// uws makes its socket system calls in io_uring batches where it can
// (native/net/syscall_batch.h): the receives of a poller wakeup before its
// events are dispatched, into slices of one buffer; the wakeup's sends at
// its end; a closing handshake's last send together with its peek. None of
// that may be visible. These scenarios put many connections' input into
// one wakeup, with frames split anywhere (bytes carried in front of the
// next receive), more input than a slice holds (a receive of its own
// follows), and handlers that pause or terminate the other connections
// whose input was already received. `npm test` runs the whole suite a
// second time with UWS_IO_URING=0, one system call at a time.

const assert = require('assert/strict');
const { execFileSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');
const { setTimeout: sleep } = require('timers/promises');

const { isUws } = require('./helpers/module-under-test');
const { cleanup, startEchoServer, startServer } = require('./helpers/server');
const { upgradeRequest } = require('./helpers/http-raw');
const { connect, frame, closePayload } = require('./helpers/raw-client');

/** Linux lets this process use io_uring: the sysctl allows it and no seccomp filter is in place. */
function kernelAllowsIoUring() {
  try {
    const disabled = fs.readFileSync('/proc/sys/kernel/io_uring_disabled', 'utf8').trim();
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    return disabled === '0' && /^Seccomp:\s+0$/m.test(status);
  } catch {
    return false;  // an older kernel (no sysctl) or not Linux: cannot tell
  }
}

/** Resolves once `test()` holds, checked every 10 ms for up to 2 s. */
async function until(test) {
  for (const deadline = Date.now() + 2000; !test() && Date.now() < deadline; ) await sleep(10);
}

/** `count` raw clients, upgraded one after the other. */
async function connectClients(port, count) {
  const clients = [];
  for (let i = 0; i < count; i++) clients.push(await connect(port));
  return clients;
}

describe('syscall batching', function () {
  afterEach(cleanup);

  (isUws ? describe : describe.skip)('io_uring', function () {
    const addon = path.join(__dirname, '..', 'dist', 'native.js');

    it('is used where the kernel allows it', function () {
      if (process.env.UWS_IO_URING === '0' || !kernelAllowsIoUring()) this.skip();
      assert.equal(require(addon).native.batchesSyscalls(), true);
    });

    it('is not used with UWS_IO_URING=0', function () {
      const script = `process.stdout.write(String(require(${JSON.stringify(addon)}).native.batchesSyscalls()))`;
      const out = execFileSync(process.execPath, ['-e', script], {
        env: { ...process.env, UWS_IO_URING: '0' }
      });
      assert.equal(out.toString(), 'false');
    });
  });

  /** A valid upgrade request head of exactly `size` bytes (padded with a header). */
  function headOfSize(size) {
    const bare = upgradeRequest({ headers: { 'X-Padding': '' } });
    return Buffer.from(upgradeRequest({ headers: { 'X-Padding': 'p'.repeat(size - bare.length) } }));
  }

  /** Frames of client `c`: small and large messages, a ping, in one buffer. */
  function framesOf(c) {
    const large = Buffer.alloc(40000 + c * 97, c);  // more than a slice of 256 KiB / 40
    return {
      bytes: Buffer.concat([
        frame({ opcode: 1, payload: `small ${c}` }),
        frame({ opcode: 2, payload: large }),
        frame({ opcode: 9, payload: `ping ${c}` }),
        frame({ opcode: 1, payload: 'x'.repeat(c) })
      ]),
      expected: [`small ${c}`, large.toString('hex'), 'x'.repeat(c)]
    };
  }

  it('echoes many connections\' input arriving together, frames split anywhere', async function () {
    const wss = await startEchoServer();
    const count = 40;
    const clients = await Promise.all(Array.from({ length: count }, () => connect(wss.port)));
    const plans = clients.map((_, c) => framesOf(c));

    // Every client writes in the same tick, three times, a little apart:
    // the server's wakeups each see many connections' bytes, and the cuts
    // fall inside frame headers and payloads (a different place for each
    // client), so bytes are carried in front of the next receive.
    const cuts = plans.map(({ bytes }, c) => [1 + (c % 7), 2 + ((c * 131) % (bytes.length - 12))]);
    for (let part = 0; part < 3; part++) {
      if (part) await sleep(20);
      await Promise.all(
        clients.map((client, c) => {
          const [a, b] = cuts[c].sort((x, y) => x - y);
          const bounds = [0, a, b, plans[c].bytes.length];
          return client.write(plans[c].bytes.subarray(bounds[part], bounds[part + 1]));
        })
      );
    }
    await Promise.all(clients.map((client) => client.sendClose(4000 + 1, 'bye')));

    for (let c = 0; c < count; c++) {
      const client = clients[c];
      const closeFrame = await client.waitCloseFrame();
      assert.ok(closeFrame, `client ${c} got a close frame`);
      assert.equal(closeFrame.code, 4001);
      assert.equal(closeFrame.reason, 'bye');
      const echoed = client.messages.map((m) => (m.binary ? m.data.toString('hex') : m.text));
      assert.deepEqual(echoed, plans[c].expected, `client ${c}'s echoes`);
      const pong = client.frames.find((f) => f.opcode === 0xa);
      assert.equal(pong && pong.payload.toString(), `ping ${c}`);
      await client.ended;
    }
  });

  it('reads the rest of large upgrade requests, and the frames behind them in order', async function () {
    // Read-ahead slices are 256 KiB / 40 here (6.1 KiB). Half of the
    // requests are larger than that: the rest of the request is read right
    // after the slice. The others fit, with part of the frames behind them
    // (2 KiB in the same write): once the upgrade is accepted, the frames
    // already read wait for 'connection', and the rest must not be read
    // and parsed before them.
    const wss = await startEchoServer();
    const count = 40;
    const gate = sleep(50);
    const payload = (c, i) => `${c}:${i}:${'f'.repeat(90)}`;
    const trailers = Array.from({ length: count }, (_, c) =>
      Buffer.concat(Array.from({ length: 20 }, (_, i) => frame({ opcode: 1, payload: payload(c, i) })))
    );
    const clients = await Promise.all(
      trailers.map((trailer, c) =>
        connect(wss.port, { gate, trailer, headers: { 'X-Padding': 'p'.repeat((c % 2 ? 7000 : 5000) + c) } })
      )
    );
    await Promise.all(clients.map((client) => client.message(19)));
    clients.forEach((client, c) => {
      assert.deepEqual(
        client.messages.map((m) => m.text),
        Array.from({ length: 20 }, (_, i) => payload(c, i))
      );
    });
  });

  (isUws ? it : it.skip)('leaves the frames behind an upgrade request to the next turn when a slice ends with the request', async function () {
    // uws parses the frames that came with the upgrade request on the next
    // loop turn, so a 'message' listener added in a nextTick after
    // 'connection' still gets them (ws delivers them before such a tick,
    // and they are lost: uws-only). That must not depend on how the input
    // was sliced: 32 connections readable in one wakeup get read-ahead
    // slices of 256 KiB / 32 - 256 bytes, and a request head of exactly that
    // size fills its slice, the frame behind it coming in a receive of its own.
    const wss = await startServer();
    const count = 32;
    const slice = (256 * 1024) / count - 256;
    let received = 0;
    wss.on('connection', (ws) => {
      process.nextTick(() => ws.on('message', () => received++));
    });
    for (let round = 0; round < 3; round++) {
      const sockets = await Promise.all(
        Array.from({ length: count }, () => new Promise((resolve) => {
          const socket = net.connect(wss.port, '127.0.0.1', () => resolve(socket));
          socket.on('error', () => {});
        }))
      );
      await sleep(30);
      const expected = received + count;
      for (const socket of sockets) socket.write(Buffer.concat([headOfSize(slice), frame({ payload: 'hello' })]));
      await until(() => received >= expected);
      sockets.forEach((socket) => socket.destroy());
      assert.equal(received, expected, `round ${round}: every connection's first message arrived`);
    }
  });

  it('resets a connection terminated by another\'s handler before its input was read', async function () {
    // Eight connections' messages arrive together; the first 'message'
    // handler terminates the seven others. Their bytes were never read by
    // them (uws may have received them already, for the whole wakeup), and
    // closing a socket with unread input resets the connection, as in ws.
    const wss = await startServer();
    const serverSockets = [];
    let first = true;
    wss.on('connection', (ws) => {
      serverSockets.push(ws);
      ws.on('message', () => {
        if (!first) return;
        first = false;
        for (const other of serverSockets) if (other !== ws) other.terminate();
      });
    });
    const clients = await connectClients(wss.port, 8);
    const outcomes = clients.map((client) => new Promise((resolve) => {
      client.socket.on('error', (err) => resolve(err.code));
      client.socket.on('end', () => resolve('end'));
    }));
    await sleep(30);
    for (const client of clients) client.socket.write(frame({ payload: 'hi' }));
    // (The connection whose handler ran stays open.)
    const stillOpen = (i) => sleep(300, `open ${i}`);
    const results = await Promise.all(outcomes.map((outcome, i) => Promise.race([outcome, stillOpen(i)])));
    assert.equal(results.filter((r) => r === 'ECONNRESET').length, 7, JSON.stringify(results));
  });

  it('reads nothing more for a connection paused by another\'s handler, until resume()', async function () {
    // Eight connections' messages arrive together; the first 'message'
    // handler pauses the seven others. As in ws, their messages wait for
    // resume() (uws may have received their bytes already, for the whole
    // wakeup), then arrive.
    const wss = await startServer();
    const serverSockets = [];
    const received = [];
    let pausedDelivery = 0;
    wss.on('connection', (ws) => {
      serverSockets.push(ws);
      ws.on('message', (data) => {
        received.push(data.toString());
        if (ws.isPaused) pausedDelivery++;
        if (received.length === 1) for (const other of serverSockets) if (other !== ws) other.pause();
      });
    });
    const clients = await connectClients(wss.port, 8);
    await sleep(30);
    clients.forEach((client, i) => client.socket.write(frame({ payload: `m${i}` })));
    await sleep(100);
    assert.equal(received.length, 1, `delivered while paused: ${received}`);
    for (const ws of serverSockets) ws.resume();
    await until(() => received.length >= 8);
    assert.deepEqual(received.slice().sort(), clients.map((_, i) => `m${i}`).sort());
    assert.equal(pausedDelivery, 0);
  });

  it('closes many connections in one wakeup, each after its own close frame is out', async function () {
    const wss = await startEchoServer();
    const count = 30;
    const clients = await Promise.all(Array.from({ length: count }, () => connect(wss.port)));
    // Message and close frame in one write: the echo and the close reply
    // leave in the same wakeup as every other connection's.
    await Promise.all(
      clients.map((client, c) =>
        client.write(
          Buffer.concat([
            frame({ opcode: 1, payload: `last ${c}` }),
            frame({ opcode: 8, payload: closePayload(1000 + (c % 2) * 3000, `r${c}`) })
          ])
        )
      )
    );
    await Promise.all(clients.map((client) => client.ended));
    clients.forEach((client, c) => {
      assert.deepEqual(client.messages.map((m) => m.text), [`last ${c}`]);
      assert.equal(client.closeFrame.code, 1000 + (c % 2) * 3000);
      assert.equal(client.closeFrame.reason, `r${c}`);
      assert.equal(client.gotEnd, true, `client ${c}: the server ended the TCP stream cleanly`);
    });
  });
});
