'use strict';

//
// Raw client → server: protocol violations and closing handshake details.
// The expected close codes, error codes and messages are those of ws 8.23
// (lib/receiver.js, lib/websocket.js).
//

const assert = require('assert/strict');

const { isUws } = require('./helpers/module-under-test');
const { connect, frame, closePayload } = require('./helpers/raw-client');
const {
  cleanup,
  nextConnection,
  startServer,
  track,
  waitEvent
} = require('./helpers/server');

/**
 * Records everything a server-side WebSocket emits.
 */
function record(ws) {
  const rec = { events: [], errors: [], messages: [], pings: [] };

  ws.on('error', (err) => {
    rec.events.push('error');
    rec.errors.push(err);
  });
  ws.on('message', (data, isBinary) => {
    rec.events.push('message');
    rec.messages.push({ data: Buffer.from(data), isBinary });
  });
  ws.on('ping', (data) => {
    rec.events.push('ping');
    rec.pings.push(Buffer.from(data).toString());
  });
  rec.closed = new Promise((resolve) => {
    ws.on('close', (code, reason) => {
      rec.events.push('close');
      resolve({ code, reason });
    });
  });

  return rec;
}

/**
 * Starts a server (echoing messages back), connects a raw client and resolves
 * with `{ wss, client, ws, rec }`.
 */
async function setup(options = {}, { echo = true, allowHalfOpen = false } = {}) {
  const wss = await startServer(options);
  const connection = nextConnection(wss);
  const client = track(await connect(wss.port, { allowHalfOpen }));
  const [ws] = await connection;
  const rec = record(ws);

  if (echo) {
    ws.on('message', (data, isBinary) => {
      if (ws.readyState === 1) ws.send(data, { binary: isBinary });
    });
  }

  return { wss, client, ws, rec };
}

/**
 * Writes `bytes` (a Buffer or an array of Buffers written one by one) and
 * checks the full failure sequence of ws: an `error` event with the given
 * constructor, code and message, a close frame with `closeCode` and no
 * reason, the TCP connection ended by the server, then a `close` event with
 * 1006 and an empty reason.
 */
async function expectViolation(bytes, expected, options) {
  const { client, rec } = await setup(options);
  const chunks = Array.isArray(bytes) ? bytes : [bytes];

  for (const chunk of chunks) await client.write(chunk);

  const closeFrame = await client.waitCloseFrame();
  assert.ok(closeFrame, 'the server sent no close frame');
  assert.equal(closeFrame.code, expected.closeCode);
  assert.equal(closeFrame.reason, '');
  assert.equal(closeFrame.payload.length, 2);

  await client.ended;
  const { code, reason } = await rec.closed;

  assert.equal(rec.errors.length, 1);
  const [err] = rec.errors;
  assert.ok(err instanceof (expected.ctor || RangeError));
  if (expected.ctor === Error) assert.ok(!(err instanceof RangeError));
  assert.equal(err.code, expected.errCode);
  assert.equal(err.message, expected.message);

  assert.equal(code, 1006);
  assert.equal(reason.length, 0);
  assert.ok(Buffer.isBuffer(reason));
  assert.deepEqual(
    rec.events.filter((e) => e === 'error' || e === 'close'),
    ['error', 'close']
  );
  assert.equal(rec.messages.length, expected.messages || 0);

  return { client, rec, err };
}

const INVALID_UTF8 = Buffer.from([0x48, 0x69, 0xff, 0xfe, 0x21]);

/**
 * The frames of one message split into `count` frames: the first with
 * `opcode` and payload `first`, then continuations with payload `rest`, the
 * last with FIN set.
 */
function fragmentedMessage(count, { opcode = 2, first = 'x', rest = 'x' } = {}) {
  const frames = [frame({ opcode, fin: false, payload: first })];
  for (let i = 1; i < count; i++) {
    frames.push(frame({ opcode: 0, fin: i === count - 1, payload: rest }));
  }
  return frames;
}

describe('protocol', function () {
  afterEach(cleanup);

  describe('frame header violations', function () {
    it('rejects an unmasked frame (1002, WS_ERR_EXPECTED_MASK)', async function () {
      await expectViolation(frame({ mask: false, payload: 'hello' }), {
        closeCode: 1002,
        errCode: 'WS_ERR_EXPECTED_MASK',
        message: 'Invalid WebSocket frame: MASK must be set'
      });
    });

    it('rejects RSV1 without a negotiated extension (1002)', async function () {
      await expectViolation(frame({ rsv1: true, payload: 'hello' }), {
        closeCode: 1002,
        errCode: 'WS_ERR_UNEXPECTED_RSV_1',
        message: 'Invalid WebSocket frame: RSV1 must be clear'
      });
    });

    for (const bit of ['rsv2', 'rsv3']) {
      it(`rejects ${bit.toUpperCase()} (1002)`, async function () {
        await expectViolation(frame({ [bit]: true, payload: 'hello' }), {
          closeCode: 1002,
          errCode: 'WS_ERR_UNEXPECTED_RSV_2_3',
          message: 'Invalid WebSocket frame: RSV2 and RSV3 must be clear'
        });
      });
    }

    for (const opcode of [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]) {
      it(`rejects reserved opcode ${opcode} (1002)`, async function () {
        await expectViolation(frame({ opcode, payload: 'x' }), {
          closeCode: 1002,
          errCode: 'WS_ERR_INVALID_OPCODE',
          message: `Invalid WebSocket frame: invalid opcode ${opcode}`
        });
      });
    }

    it('rejects a 64-bit length with the most significant bit set (1009)', async function () {
      await expectViolation(
        frame({
          opcode: 2,
          lengthEncoding: 64,
          length: 0x8000000000000001n,
          payload: Buffer.alloc(0)
        }),
        {
          closeCode: 1009,
          errCode: 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH',
          message: 'Unsupported WebSocket frame: payload length > 2^53 - 1'
        }
      );
    });
  });

  describe('fragmentation violations', function () {
    it('rejects a continuation frame without a started message (1002)', async function () {
      await expectViolation(frame({ opcode: 0, payload: 'orphan' }), {
        closeCode: 1002,
        errCode: 'WS_ERR_INVALID_OPCODE',
        message: 'Invalid WebSocket frame: invalid opcode 0'
      });
    });

    for (const opcode of [1, 2]) {
      it(`rejects a new data frame (opcode ${opcode}) inside a fragmented message (1002)`, async function () {
        await expectViolation(
          Buffer.concat([
            frame({ opcode: 1, fin: false, payload: 'first' }),
            frame({ opcode, fin: true, payload: 'second' })
          ]),
          {
            closeCode: 1002,
            errCode: 'WS_ERR_INVALID_OPCODE',
            message: `Invalid WebSocket frame: invalid opcode ${opcode}`
          }
        );
      });
    }

    for (const opcode of [8, 9, 10]) {
      it(`rejects a fragmented control frame (opcode ${opcode}) (1002)`, async function () {
        await expectViolation(frame({ opcode, fin: false, payload: '' }), {
          closeCode: 1002,
          errCode: 'WS_ERR_EXPECTED_FIN',
          message: 'Invalid WebSocket frame: FIN must be set'
        });
      });
    }

    for (const opcode of [8, 9, 10]) {
      it(`rejects a control frame (opcode ${opcode}) with a 126-byte payload (1002)`, async function () {
        const payload = Buffer.alloc(126, 0x61);
        if (opcode === 8) payload.writeUInt16BE(1000, 0);
        await expectViolation(frame({ opcode, payload }), {
          closeCode: 1002,
          errCode: 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH',
          message: 'Invalid WebSocket frame: invalid payload length 126'
        });
      });
    }

    it('rejects a close frame with a 1-byte payload (1002)', async function () {
      await expectViolation(frame({ opcode: 8, payload: Buffer.from([3]) }), {
        closeCode: 1002,
        errCode: 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH',
        message: 'Invalid WebSocket frame: invalid payload length 1'
      });
    });
  });

  describe('close codes', function () {
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000]) {
      it(`rejects close code ${code} (1002)`, async function () {
        await expectViolation(frame({ opcode: 8, payload: closePayload(code) }), {
          closeCode: 1002,
          errCode: 'WS_ERR_INVALID_CLOSE_CODE',
          message: `Invalid WebSocket frame: invalid status code ${code}`
        });
      });
    }

    const valid = [
      1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013,
      1014, 3000, 4999
    ];

    for (const code of valid) {
      it(`echoes valid close code ${code} with its reason`, async function () {
        const { client, rec } = await setup();
        await client.sendClose(code, `reason ${code}`);

        const closeFrame = await client.waitCloseFrame();
        assert.equal(closeFrame.code, code);
        assert.equal(closeFrame.reason, `reason ${code}`);

        const closed = await rec.closed;
        assert.equal(closed.code, code);
        assert.ok(Buffer.isBuffer(closed.reason));
        assert.equal(closed.reason.toString(), `reason ${code}`);
        assert.equal(rec.errors.length, 0);
      });
    }
  });

  describe('UTF-8 validation', function () {
    const invalidUtf8 = [
      ['invalid UTF-8 in a single text frame (1007, Error)', frame({ opcode: 1, payload: INVALID_UTF8 })],
      [
        'invalid UTF-8 in the first fragment once the message completes (1007)',
        Buffer.concat([
          frame({ opcode: 1, fin: false, payload: INVALID_UTF8 }),
          frame({ opcode: 0, fin: true, payload: 'valid tail' })
        ])
      ],
      [
        'a truncated code point at the end of a text message (1007)',
        frame({ opcode: 1, payload: Buffer.from([0x61, 0xe2, 0x82]) })
      ],
      ['an encoded surrogate (ED A0 80) (1007)', frame({ opcode: 1, payload: Buffer.from([0xed, 0xa0, 0x80]) })],
      ['invalid UTF-8 in a close reason (1007)', frame({ opcode: 8, payload: closePayload(1000, INVALID_UTF8) })]
    ];

    for (const [what, bytes] of invalidUtf8) {
      it(`rejects ${what}`, async function () {
        await expectViolation(bytes, {
          ctor: Error,
          closeCode: 1007,
          errCode: 'WS_ERR_INVALID_UTF8',
          message: 'Invalid WebSocket frame: invalid UTF-8 sequence'
        });
      });
    }

    it('accepts a code point split across fragments', async function () {
      const { client, rec } = await setup();
      const euro = Buffer.from('a€😀b'); // 61 e2 82 ac f0 9f 98 80 62
      await client.write(
        Buffer.concat([
          frame({ opcode: 1, fin: false, payload: euro.subarray(0, 2) }),
          frame({ opcode: 0, fin: false, payload: euro.subarray(2, 5) }),
          frame({ opcode: 0, fin: true, payload: euro.subarray(5) })
        ])
      );
      const msg = await client.message(0);
      assert.equal(msg.text, 'a€😀b');
      assert.equal(msg.opcode, 1);
      assert.equal(rec.messages[0].isBinary, false);
      assert.equal(rec.errors.length, 0);
    });

    it('does not validate binary messages', async function () {
      const { client, rec } = await setup();
      await client.send(INVALID_UTF8);
      const msg = await client.message(0);
      assert.deepEqual(msg.data, INVALID_UTF8);
      assert.equal(msg.opcode, 2);
      assert.equal(rec.errors.length, 0);
    });

    it('skipUTF8Validation: true accepts invalid UTF-8 text', async function () {
      const { client, rec } = await setup({ skipUTF8Validation: true });
      await client.sendFrame({ opcode: 1, payload: INVALID_UTF8 });
      const msg = await client.message(0);
      assert.deepEqual(msg.data, INVALID_UTF8);
      assert.equal(msg.opcode, 1);
      assert.equal(rec.messages[0].isBinary, false);
      assert.equal(rec.errors.length, 0);
    });

    //
    // uws validates text incrementally; ws only validates once the whole
    // message has arrived, so it cannot detect these early.
    //
    async function expectEarlyInvalidUtf8(client, rec) {
      const closeFrame = await client.waitCloseFrame();
      assert.equal(closeFrame.code, 1007);
      await client.ended;
      const { code } = await rec.closed;
      assert.equal(code, 1006);
      assert.equal(rec.errors[0].code, 'WS_ERR_INVALID_UTF8');
    }

    (isUws ? it : it.skip)(
      'detects invalid UTF-8 in the first fragment without waiting for the rest (uws only)',
      async function () {
        const { client, rec } = await setup();
        await client.sendFrame({ opcode: 1, fin: false, payload: INVALID_UTF8 });

        await expectEarlyInvalidUtf8(client, rec);
        assert.equal(rec.messages.length, 0);
      }
    );

    (isUws ? it : it.skip)(
      'detects invalid UTF-8 in the middle of a frame as soon as the bytes arrive (uws only)',
      async function () {
        const { client, rec } = await setup();
        const payload = Buffer.alloc(1000, 0x61);
        payload[10] = 0xff;
        const whole = frame({ opcode: 1, payload });
        // Header (2 + 2 length + 4 mask) and the first 20 payload bytes only.
        await client.write(whole.subarray(0, 8 + 20));

        await expectEarlyInvalidUtf8(client, rec);
      }
    );
  });

  describe('limits', function () {
    const maxPayloadExceeded = {
      closeCode: 1009,
      errCode: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
      message: 'Max payload size exceeded'
    };
    const tooManyFragments = {
      closeCode: 1008,
      errCode: 'WS_ERR_TOO_MANY_BUFFERED_PARTS',
      message: 'Too many message fragments'
    };

    const overMaxPayload = [
      // Only the header is sent: the length alone must trigger the error.
      [
        'a single frame larger than maxPayload (1009) from its header',
        frame({ opcode: 2, payload: Buffer.alloc(5000) }).subarray(0, 8)
      ],
      [
        'a fragmented message whose total exceeds maxPayload (1009)',
        fragmentedMessage(3, { opcode: 2, first: Buffer.alloc(400), rest: Buffer.alloc(400) })
      ]
    ];

    for (const [what, bytes] of overMaxPayload) {
      it(`rejects ${what}`, async function () {
        await expectViolation(bytes, maxPayloadExceeded, { maxPayload: 1000 });
      });
    }

    it('accepts a message of exactly maxPayload bytes', async function () {
      const { client, rec } = await setup({ maxPayload: 1000 });
      await client.send(Buffer.alloc(1000, 7));
      const msg = await client.message(0);
      assert.equal(msg.data.length, 1000);
      assert.equal(rec.errors.length, 0);
    });

    it('does not count control frames against maxPayload', async function () {
      const { client, rec } = await setup({ maxPayload: 10 });
      await client.write(
        Buffer.concat([
          frame({ opcode: 9, payload: Buffer.alloc(100, 0x70) }),
          frame({ opcode: 1, payload: '0123456789' })
        ])
      );
      const msg = await client.message(0);
      assert.equal(msg.text, '0123456789');
      assert.equal(rec.errors.length, 0);
      assert.equal(client.frames[0].opcode, 10);
      assert.equal(client.frames[0].payload.length, 100);
    });

    it('rejects more than 16384 fragments by default (1008)', async function () {
      this.timeout(20000);
      await expectViolation(Buffer.concat(fragmentedMessage(16385)), tooManyFragments);
    });

    it('accepts exactly 16384 fragments by default', async function () {
      const { client, rec } = await setup();
      await client.write(Buffer.concat(fragmentedMessage(16384)));
      const msg = await client.message(0);
      assert.equal(msg.data.length, 16384);
      assert.equal(rec.errors.length, 0);
    });

    it('honours the maxFragments option (1008)', async function () {
      // Written one frame per TCP write.
      await expectViolation(
        fragmentedMessage(5, { opcode: 1, first: 'a', rest: 'b' }),
        tooManyFragments,
        { maxFragments: 4 }
      );
    });
  });

  describe('valid traffic', function () {
    it('answers pings between fragments with pongs, in order', async function () {
      const { client, rec } = await setup();
      await client.write(
        Buffer.concat([
          frame({ opcode: 1, fin: false, payload: 'hel' }),
          frame({ opcode: 9, payload: 'p1' }),
          frame({ opcode: 9, payload: 'p2' }),
          frame({ opcode: 0, fin: false, payload: 'lo ' }),
          frame({ opcode: 9, payload: '' }),
          frame({ opcode: 0, fin: true, payload: 'world' })
        ])
      );

      await client.message(0);
      const seen = client.frames.map((f) => [f.opcode, f.payload.toString()]);
      assert.deepEqual(seen, [
        [10, 'p1'],
        [10, 'p2'],
        [10, ''],
        [1, 'hello world']
      ]);
      assert.ok(client.frames.every((f) => !f.masked && f.fin));
      assert.deepEqual(rec.pings, ['p1', 'p2', '']);
      assert.deepEqual(rec.events, ['ping', 'ping', 'ping', 'message']);
    });

    it('accepts a frame delivered one byte per TCP write', async function () {
      const { client, rec } = await setup();
      const bytes = frame({ opcode: 1, payload: 'x'.repeat(300) });
      for (let i = 0; i < bytes.length; i++) {
        await client.write(bytes.subarray(i, i + 1));
      }
      const msg = await client.message(0);
      assert.equal(msg.text, 'x'.repeat(300));
      assert.equal(rec.errors.length, 0);
    });

    it('accepts many frames in one TCP write and non-minimal length encodings', async function () {
      const { client, rec } = await setup();
      await client.write(
        Buffer.concat([
          frame({ opcode: 1, payload: 'a', lengthEncoding: 16 }),
          frame({ opcode: 1, payload: 'b', lengthEncoding: 64 }),
          frame({ opcode: 2, payload: Buffer.alloc(0) }),
          frame({ opcode: 1, payload: 'c', maskKey: Buffer.alloc(4) })
        ])
      );
      await client.message(3);
      assert.deepEqual(
        client.messages.map((m) => [m.opcode, m.text]),
        [
          [1, 'a'],
          [1, 'b'],
          [2, ''],
          [1, 'c']
        ]
      );
      assert.equal(rec.errors.length, 0);
    });

    it('answers a close frame with the same code and reason, then ends the TCP connection', async function () {
      const { client, rec } = await setup();
      await client.sendClose(1000, 'bye now');

      const closeFrame = await client.waitCloseFrame();
      assert.equal(closeFrame.code, 1000);
      assert.equal(closeFrame.reason, 'bye now');

      await client.ended;
      assert.equal(client.gotEnd, true, 'the server did not send a FIN');

      const { code, reason } = await rec.closed;
      assert.equal(code, 1000);
      assert.equal(reason.toString(), 'bye now');
      assert.equal(rec.errors.length, 0);
    });

    it('answers an empty close frame with an empty close frame (close event 1005)', async function () {
      const { client, rec } = await setup();
      await client.sendClose();

      const closeFrame = await client.waitCloseFrame();
      assert.equal(closeFrame.payload.length, 0);
      await client.ended;

      const { code, reason } = await rec.closed;
      assert.equal(code, 1005);
      assert.equal(reason.length, 0);
    });

    it('accepts a close frame with a 123-byte reason', async function () {
      const { client, rec } = await setup();
      const reasonText = 'r'.repeat(123);
      await client.sendClose(4000, reasonText);

      const closeFrame = await client.waitCloseFrame();
      assert.equal(closeFrame.code, 4000);
      assert.equal(closeFrame.reason, reasonText);
      const { code, reason } = await rec.closed;
      assert.equal(code, 4000);
      assert.equal(reason.toString(), reasonText);
    });

    it('ignores data after the close frame', async function () {
      const { client, rec } = await setup();
      await client.write(
        Buffer.concat([
          frame({ opcode: 8, payload: closePayload(1001, 'going') }),
          frame({ opcode: 1, payload: 'after close' }),
          frame({ opcode: 5, mask: false, payload: 'garbage' }),
          Buffer.from([0xff, 0xff, 0xff])
        ])
      );

      const closeFrame = await client.waitCloseFrame();
      assert.equal(closeFrame.code, 1001);
      await client.ended;

      const { code } = await rec.closed;
      assert.equal(code, 1001);
      assert.equal(rec.messages.length, 0);
      assert.equal(rec.errors.length, 0);
      assert.equal(client.messages.length, 0);
    });

    // ws half-closes after the closing handshake and waits for the peer's
    // FIN (or closeTimeout); uws, as a server, closes the TCP connection as
    // soon as its close frame and FIN are out (RFC 6455 5.5.1 and 7.1.1).
    (isUws ? it.skip : it)('the peer FIN after the closing handshake ends the connection, whatever precedes it', async function () {
      // Our close frame and FIN are out, so nothing the peer still sends
      // matters: frames (even invalid ones) before its FIN are discarded,
      // and its FIN closes at once (no closeTimeout wait: it outlasts the
      // test's own timeout).
      const { client, ws, rec } = await setup({ closeTimeout: 60000 });
      client.socket.on('error', () => {}); // the discarded bytes may earn a reset
      await client.sendClose(1000, 'bye');
      const closeFrame = await client.waitCloseFrame();
      assert.equal(closeFrame.code, 1000);
      await client.ended;
      assert.equal(ws.readyState, 2);

      client.socket.end(Buffer.concat([frame({ opcode: 1, payload: 'late' }), Buffer.from([0xff, 0xff])]));
      const { code, reason } = await rec.closed;
      assert.equal(code, 1000);
      assert.equal(reason.toString(), 'bye');
      assert.equal(rec.messages.length, 0);
      assert.equal(rec.errors.length, 0);
    });

    (isUws ? it : it.skip)('closes right after the closing handshake the peer began, without waiting for its FIN', async function () {
      // The peer never ends its side; closeTimeout outlasts the test's own
      // timeout, so only closing at once passes.
      const { client, ws, rec } = await setup({ closeTimeout: 60000 }, { allowHalfOpen: true });
      client.socket.on('error', () => {}); // late bytes may earn a reset
      await client.sendClose(1000, 'bye');
      const closeFrame = await client.waitCloseFrame();
      assert.equal(closeFrame.code, 1000);
      const { code, reason } = await rec.closed;
      assert.equal(code, 1000);
      assert.equal(reason.toString(), 'bye');
      assert.equal(ws.readyState, 3);
      await client.ended; // our FIN came with (or right after) the close frame
      // Bytes the peer still sends are not read: no message, no error.
      client.socket.end(Buffer.concat([frame({ opcode: 1, payload: 'late' }), Buffer.from([0xff, 0xff])]));
      await client.closed;
      assert.equal(rec.messages.length, 0);
      assert.equal(rec.errors.length, 0);
    });

    it('answers a peer that keeps sending after its close frame with its close frame and FIN', async function () {
      // The peer breaks the protocol with bytes behind its close frame, more
      // than one read takes. ws reads and drops them; uws must not close
      // (and reset) under them either: the peer, still writing, would lose
      // the close frame.
      const { client, rec } = await setup({ closeTimeout: 300 }, { echo: false });
      client.socket.on('error', () => {});
      await client.write(Buffer.concat([frame({ opcode: 8, payload: closePayload(1000, 'bye') }), Buffer.alloc(600 * 1024, 0x81)]));
      const { code } = await rec.closed;
      assert.equal(code, 1000);
      await client.closed;
      assert.ok(client.closeFrame, 'no close frame reached the peer');
      assert.equal(client.closeFrame.code, 1000);
      assert.equal(client.conn.error, null);
    });

    (isUws ? it : it.skip)('closes right after the peer answers our close frame, without waiting for its FIN', async function () {
      const { client, ws, rec } = await setup({ closeTimeout: 60000 }, { allowHalfOpen: true });
      ws.close(4000, 'done');
      const closeFrame = await client.waitCloseFrame();
      assert.equal(closeFrame.code, 4000);
      assert.equal(ws.readyState, 2);
      await client.sendClose(4000, 'done');
      const { code, reason } = await rec.closed;
      assert.equal(code, 4000);
      assert.equal(reason.toString(), 'done');
      assert.equal(ws.readyState, 3);
      await client.ended;
      assert.equal(rec.errors.length, 0);
    });

    it('emits close 1006 when the peer half-closes without a close frame', async function () {
      const { client, rec } = await setup();
      await client.send('last words');
      await client.message(0);
      client.end();

      const { code, reason } = await rec.closed;
      assert.equal(code, 1006);
      assert.equal(reason.length, 0);
      assert.equal(rec.errors.length, 0);
      assert.equal(rec.messages[0].data.toString(), 'last words');
      await client.closed;
    });

    it('destroys the connection after closeTimeout when the peer never answers the close frame (1006)', async function () {
      const { client, ws, rec } = await setup({ closeTimeout: 150 });
      const start = Date.now();
      ws.close(4321, 'closing');
      assert.equal(ws.readyState, 2);

      const closeFrame = await client.waitCloseFrame();
      assert.equal(closeFrame.code, 4321);
      assert.equal(closeFrame.reason, 'closing');

      const { code, reason } = await rec.closed;
      const elapsed = Date.now() - start;
      assert.equal(code, 1006);
      assert.equal(reason.length, 0);
      assert.ok(elapsed >= 140, `closed after only ${elapsed} ms`);
      assert.equal(ws.readyState, 3);
      await client.ended;
    });

    it('destroys the connection after closeTimeout when the peer sends its close frame but never reads', async function () {
      // Our answer waits behind a message the paused peer does not read:
      // closeTimeout still ends the connection, with the peer's code.
      const { client, ws, rec } = await setup({ closeTimeout: 150 }, { echo: false });
      client.socket.pause();
      ws.send(Buffer.alloc(16 * 1024 * 1024));
      assert.ok(ws.bufferedAmount > 0, 'the message must wait in our queue');
      const start = Date.now();
      await client.sendClose(1000, 'bye');
      const { code, reason } = await rec.closed;
      const elapsed = Date.now() - start;
      assert.equal(code, 1000);
      assert.equal(reason.toString(), 'bye');
      assert.ok(elapsed >= 140, `closed after only ${elapsed} ms`);
      client.socket.destroy();
    });

    it('closes cleanly when the peer answers the server close frame', async function () {
      const { client, ws, rec } = await setup({ closeTimeout: 5000 });
      ws.close(1000, 'done');
      const closeFrame = await client.waitCloseFrame();
      assert.equal(closeFrame.code, 1000);
      await client.sendClose(1000, 'ack');

      await client.ended;
      assert.equal(client.gotEnd, true);
      const { code, reason } = await rec.closed;
      assert.equal(code, 1000);
      assert.equal(reason.toString(), 'ack');
    });
  });
});
