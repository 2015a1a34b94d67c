'use strict';

//
// Deterministic fuzzing of the frame parser and the HTTP upgrade parser over
// real connections. The server must never crash, every connection must end,
// and a conforming client must still be served afterwards.
//

const assert = require('assert/strict');
const { once } = require('events');

const WsClient = require('ws');
const { createRng } = require('./helpers/prng');
const { frame, closePayload } = require('./helpers/frames');
const { RawHttp, upgradeRequest } = require('./helpers/http-raw');
const { connect } = require('./helpers/raw-client');
const {
  cleanup,
  opened,
  startServer,
  track,
  waitEvent
} = require('./helpers/server');

const SEED = Number(process.env.FUZZ_SEED) || 0x5eed1234;
const CONNECTIONS = 200;
const FRAMES_PER_CONNECTION = 50;
const HTTP_CONNECTIONS = 100;
const CONCURRENCY = 20;
const PER_CONNECTION_DEADLINE = 4000;

function randomPayloadLength(rng) {
  const r = rng.next();
  if (r < 0.4) return rng.int(11);
  if (r < 0.75) return rng.int(126);
  if (r < 0.99) return rng.range(126, 1024);
  return rng.range(65530, 70000);
}

function randomText(rng, n) {
  const alphabet = ['a', 'z', ' ', 'é', '€', '😀', '\u0000', '~'];
  const parts = [];
  let bytes = 0;
  while (bytes < n) {
    const c = rng.pick(alphabet);
    parts.push(c);
    bytes += Buffer.byteLength(c);
  }
  return parts.join('');
}

/**
 * A well-formed frame. `state.fragmented` tracks an open fragmented message
 * so that most streams are also well-sequenced (and reach deep parser
 * states); with probability 0.05 the sequence rule is ignored.
 */
function validFrame(rng, state = { fragmented: 0 }) {
  const ignoreSequence = rng.chance(0.05);
  let opcode;

  if (rng.chance(0.2)) {
    opcode = rng.pick([9, 9, 10, 8]);
    if (opcode === 8 && rng.chance(0.8)) opcode = 9;
  } else if (state.fragmented && !ignoreSequence) {
    opcode = 0;
  } else if (ignoreSequence) {
    opcode = rng.pick([0, 1, 2]);
  } else {
    opcode = rng.pick([1, 2]);
  }

  let fin = opcode >= 8 || rng.chance(0.7);
  let payload;
  const dataType = opcode === 0 ? state.fragmented || 2 : opcode;

  if (opcode === 8) {
    payload = rng.chance(0.2)
      ? Buffer.alloc(0)
      : closePayload(rng.pick([1000, 1001, 3000, 4999]), randomText(rng, rng.int(20)));
  } else if (opcode >= 9) {
    payload = rng.bytes(rng.int(126));
  } else if (dataType === 1) {
    // ASCII only, so that fragment boundaries never split a code point.
    payload = Buffer.from(randomText(rng, randomPayloadLength(rng)).replace(/[^\x00-\x7f]/gu, 'u'));
  } else {
    payload = rng.bytes(randomPayloadLength(rng));
  }

  if (opcode < 8) {
    if (opcode !== 0 && !fin) state.fragmented = opcode;
    if (fin) state.fragmented = 0;
  }

  const enc = rng.chance(0.85) ? 'auto' : rng.pick([16, 64]);
  return frame({
    fin,
    opcode,
    payload,
    lengthEncoding: payload.length > 65535 && enc === 16 ? 64 : enc,
    maskKey: rng.bytes(4)
  });
}

function mutate(rng, buf) {
  buf = Buffer.from(buf);
  const flips = rng.range(1, 3);

  for (let k = 0; k < flips && buf.length; k++) {
    switch (rng.int(8)) {
      case 0:
        buf[0] ^= 1 << rng.int(8);
        break;
      case 1:
        buf[1] ^= 1 << rng.int(8);
        break;
      case 2:
        buf[rng.int(buf.length)] ^= 1 << rng.int(8);
        break;
      case 3:
        buf[rng.int(buf.length)] = rng.int(256);
        break;
      case 4:
        buf = buf.subarray(0, rng.int(buf.length));
        break;
      case 5:
        buf = Buffer.concat([buf, rng.bytes(rng.range(1, 16))]);
        break;
      case 6:
        // Scramble the extended length field (if any).
        for (let i = 2; i < Math.min(buf.length, 10); i++) buf[i] = rng.int(256);
        break;
      case 7: {
        // Splice: a prefix followed by a (possibly overlapping) suffix.
        const at = rng.int(buf.length);
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(rng.int(buf.length))]);
        break;
      }
    }
  }

  return buf;
}

function fuzzStream(rng) {
  const parts = [];
  const state = { fragmented: 0 };
  // Per-connection corruption rate: some streams are nearly clean so that
  // the fuzzer also reaches deep states (fragments, pings mid-message, big
  // frames) before the first error.
  const rate = rng.pick([0.01, 0.03, 0.1, 0.3, 0.6]);

  for (let i = 0; i < FRAMES_PER_CONNECTION; i++) {
    const r = rng.next();
    if (r >= rate) parts.push(validFrame(rng, state));
    else if (r < rate * 0.75) parts.push(mutate(rng, validFrame(rng, state)));
    else parts.push(rng.bytes(rng.range(1, 40)));
  }

  return Buffer.concat(parts);
}

/** Splits `buf` into 1 to 8 random chunks. */
function chunks(rng, buf) {
  const out = [];
  let off = 0;
  const n = rng.range(1, 8);

  for (let i = 1; i < n && off < buf.length; i++) {
    const len = rng.range(1, Math.max(1, (buf.length - off) >> 1));
    out.push(buf.subarray(off, off + len));
    off += len;
  }

  if (off < buf.length) out.push(buf.subarray(off));
  return out;
}

/**
 * Writes the chunks, half-closes, and resolves once the socket is closed. A
 * connection still open after the deadline is a failure: it is destroyed and
 * reported.
 */
async function drive(socketOwner, parts, label, failures) {
  const socket = socketOwner.socket;
  const deadline = setTimeout(() => {
    failures.push(`${label}: still open after ${PER_CONNECTION_DEADLINE} ms`);
    socket.destroy();
  }, PER_CONNECTION_DEADLINE);

  const closed = new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', resolve);
  });

  for (const part of parts) {
    if (socket.destroyed || !socket.writable) break;
    await new Promise((resolve) => socket.write(part, () => resolve()));
  }

  if (!socket.destroyed) socket.end();
  const t0 = Date.now();
  await closed;
  if (process.env.FUZZ_VERBOSE && Date.now() - t0 > 100) {
    console.log(label, 'took', Date.now() - t0, 'ms to close');
  }
  clearTimeout(deadline);
}

async function pool(count, worker) {
  let next = 0;
  const runners = [];

  for (let r = 0; r < CONCURRENCY; r++) {
    runners.push(
      (async () => {
        while (next < count) await worker(next++);
      })()
    );
  }

  await Promise.all(runners);
}

async function assertStillServes(wss) {
  const ws = track(new WsClient(`ws://127.0.0.1:${wss.port}`));
  await opened(ws);
  ws.send('still alive');
  const [data, isBinary] = await once(ws, 'message');
  assert.equal(data.toString(), 'still alive');
  assert.equal(isBinary, false);
  ws.close();
  await once(ws, 'close');
}

async function allServerSocketsClosed(wss) {
  await Promise.all([...wss.connections].map((ws) => waitEvent(ws, 'close')));
  assert.equal(wss.connections.size, 0);
  if (wss.clients) assert.equal(wss.clients.size, 0);
}

describe('fuzz', function () {
  this.timeout(60000);
  afterEach(cleanup);

  it(`survives ${CONNECTIONS} × ${FRAMES_PER_CONNECTION} random and mutated frames (seed ${SEED})`, async function () {
    const wss = await startServer({ maxPayload: 1024 * 1024 });
    const errorCodes = new Map();
    let messages = 0;

    wss.on('connection', (ws) => {
      ws.on('error', (err) => {
        assert.ok(err instanceof Error);
        assert.equal(typeof err.code, 'string');
        errorCodes.set(err.code, (errorCodes.get(err.code) || 0) + 1);
      });
      ws.on('message', (data, isBinary) => {
        messages++;
        if (ws.readyState === 1) ws.send(data, { binary: isBinary });
      });
    });

    const rng = createRng(SEED);
    const plans = [];
    for (let i = 0; i < CONNECTIONS; i++) {
      const stream = fuzzStream(rng);
      plans.push(chunks(rng, stream));
    }

    const failures = [];
    let closeFrames = 0;

    await pool(CONNECTIONS, async (i) => {
      const client = track(await connect(wss.port));
      await drive(client, plans[i], `connection ${i}`, failures);
      if (client.closeFrame) closeFrames++;
    });

    if (process.env.FUZZ_VERBOSE) {
      console.log({ messages, closeFrames, errorCodes });
    }

    assert.deepEqual(failures, []);
    await allServerSocketsClosed(wss);
    await assertStillServes(wss);

    // The fuzzer must actually reach both the happy and the error paths.
    assert.ok(messages > 500, `only ${messages} messages were delivered`);
    assert.ok(closeFrames > 20, `only ${closeFrames} close frames were received`);
    assert.ok(
      errorCodes.size >= 4,
      `too few distinct errors: ${[...errorCodes.keys()].join(', ')}`
    );
  });

  it(`survives ${HTTP_CONNECTIONS} mutated upgrade requests (seed ${SEED})`, async function () {
    const wss = await startServer({ maxPayload: 1024 * 1024 });
    wss.on('connection', (ws) => {
      ws.on('error', () => {});
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });

    const rng = createRng(SEED ^ 0xabcdef);
    const plans = [];
    for (let i = 0; i < HTTP_CONNECTIONS; i++) {
      let head = Buffer.from(
        upgradeRequest({
          path: rng.chance(0.5) ? '/' : `/p${rng.int(1000)}?q=${rng.int(10)}`,
          headers: rng.chance(0.3) ? { 'Sec-WebSocket-Protocol': 'a, b' } : {}
        })
      );
      const flips = rng.range(0, 4);
      for (let k = 0; k < flips; k++) {
        const r = rng.int(3);
        if (r === 0) head[rng.int(head.length)] ^= 1 << rng.int(8);
        else if (r === 1) head[rng.int(head.length)] = rng.int(256);
        else head = head.subarray(0, rng.int(head.length));
      }
      const tail = rng.chance(0.5) ? fuzzStream(rng).subarray(0, 2000) : Buffer.alloc(0);
      plans.push(chunks(rng, Buffer.concat([head, tail])));
    }

    const failures = [];
    await pool(HTTP_CONNECTIONS, async (i) => {
      const conn = track(new RawHttp(wss.port));
      await conn.connected;
      await drive(conn, plans[i], `http connection ${i}`, failures);
    });

    assert.deepEqual(failures, []);
    await allServerSocketsClosed(wss);
    await assertStillServes(wss);
  });
});
