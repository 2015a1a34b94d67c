'use strict';

//
// lib/stream.ts (createWebSocketStream) in two ways:
//
// 1. In isolation, on a fake WebSocket (an EventEmitter with the public
//    WebSocket API), to pin down each rule: backpressure, writes while
//    connecting, end/destroy, error handling.
// 2. Side by side with ws 8.23's own createWebSocketStream: every scenario
//    runs on real `ws` connections (client and server on 127.0.0.1), once
//    with ws's stream and once with ours wrapped around the same kind of ws
//    WebSocket, and the logs of what the user can observe must be equal.
//

const assert = require('assert');
const { EventEmitter, once } = require('events');
const net = require('net');
const { Duplex } = require('stream');

const WsWebSocket = require('ws');
const { createWebSocketStream } = require('../dist/stream.js');

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/**
 * A fake WebSocket: state, constants and methods of the public API, with
 * every call recorded in `calls`. Tests drive it by emitting events and by
 * calling `finishClose()`.
 */
class FakeWebSocket extends EventEmitter {
  constructor(readyState = OPEN) {
    super();
    this.readyState = readyState;
    this.isPaused = false;
    this.calls = [];
    this.sent = [];
  }

  send(data, cb) {
    this.calls.push('send');
    this.sent.push(data);
    if (this.readyState !== OPEN) {
      const err = new Error(`WebSocket is not open: readyState ${this.readyState}`);
      process.nextTick(cb, err);
      return;
    }
    process.nextTick(cb);
  }

  close() {
    this.calls.push('close');
    if (this.readyState === OPEN) this.readyState = CLOSING;
  }

  terminate() {
    this.calls.push('terminate');
    process.nextTick(() => this.finishClose(1006));
  }

  pause() {
    this.calls.push('pause');
    this.isPaused = true;
  }

  resume() {
    this.calls.push('resume');
    this.isPaused = false;
  }

  open() {
    this.readyState = OPEN;
    this.emit('open');
  }

  finishClose(code = 1005) {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.emit('close', code, Buffer.alloc(0));
  }
}
Object.assign(FakeWebSocket.prototype, { CONNECTING, OPEN, CLOSING, CLOSED });

/** Records the stream's events in `log`, prefixed. */
function watch(stream, log, prefix = '') {
  stream.on('data', (chunk) => {
    const kind = Buffer.isBuffer(chunk) ? 'Buffer' : typeof chunk;
    log.push(`${prefix}data ${kind} ${chunk.toString()}`);
  });
  for (const event of ['end', 'finish', 'close']) {
    stream.on(event, () => log.push(prefix + event));
  }
  stream.on('error', (err) => log.push(`${prefix}error ${err.message}`));
}

/** A duplex over a new FakeWebSocket, with its events recorded in `log`. */
function watchedStream() {
  const ws = new FakeWebSocket();
  const duplex = createWebSocketStream(ws);
  const log = [];
  watch(duplex, log);
  return { ws, duplex, log };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

// Unlike `events.once()`, these do not reject on 'error': the logs record
// errors, and the scenarios wait for what comes after them.
const closed = (stream) => new Promise((resolve) => stream.once('close', resolve));
const ended = (stream) => new Promise((resolve) => stream.once('end', resolve));

describe('createWebSocketStream', () => {
  describe('with a fake WebSocket', () => {
    it('returns a Duplex with ws defaults', () => {
      const duplex = createWebSocketStream(new FakeWebSocket(), { objectMode: true });
      assert.ok(duplex instanceof Duplex);
      assert.strictEqual(duplex.readableObjectMode, false);
      assert.strictEqual(duplex.writableObjectMode, false);
      assert.strictEqual(duplex.allowHalfOpen, true);
      assert.strictEqual(duplex._readableState.autoDestroy, false);
      assert.strictEqual(duplex._readableState.emitClose, false);
    });

    it('pushes messages: Buffer by default, text as string in readableObjectMode', async () => {
      const ws = new FakeWebSocket();
      const plain = createWebSocketStream(ws);
      const objects = createWebSocketStream(ws, { readableObjectMode: true });
      ws.emit('message', Buffer.from('text'), false);
      ws.emit('message', Buffer.from('bin'), true);

      assert.deepStrictEqual(plain.read(), Buffer.from('textbin'));
      assert.strictEqual(objects.read(), 'text');
      assert.deepStrictEqual(objects.read(), Buffer.from('bin'));
    });

    it('pauses the WebSocket when the buffer is full and resumes on read', async () => {
      const ws = new FakeWebSocket();
      const duplex = createWebSocketStream(ws, { readableHighWaterMark: 4 });
      ws.emit('message', Buffer.from('ab'), true);
      assert.deepStrictEqual(ws.calls, []);
      ws.emit('message', Buffer.from('cd'), true);
      assert.deepStrictEqual(ws.calls, ['pause']);
      assert.strictEqual(ws.isPaused, true);

      assert.deepStrictEqual(duplex.read(), Buffer.from('abcd'));
      await tick();
      assert.deepStrictEqual(ws.calls, ['pause', 'resume']);
      assert.strictEqual(ws.isPaused, false);
    });

    it('does not resume a WebSocket that is not paused', async () => {
      const ws = new FakeWebSocket();
      const duplex = createWebSocketStream(ws);
      duplex.resume();
      await tick();
      assert.deepStrictEqual(ws.calls, []);
    });

    it('sends each chunk, waiting for open while connecting', async () => {
      const ws = new FakeWebSocket(CONNECTING);
      const duplex = createWebSocketStream(ws);
      let written = false;
      duplex.write('hello', () => (written = true));
      await tick();
      assert.deepStrictEqual(ws.sent, []);

      ws.open();
      assert.deepStrictEqual(ws.sent, [Buffer.from('hello')]);
      await tick();
      assert.strictEqual(written, true);
    });

    it('end() closes the WebSocket and finishes when it has closed', async () => {
      const { ws, duplex, log } = watchedStream();
      duplex.end();
      await tick();
      assert.deepStrictEqual(ws.calls, ['close']);
      assert.deepStrictEqual(log, []);

      ws.finishClose(1000);
      await tick();
      // 'finish' before 'end', so the 'end' listener destroys the stream.
      assert.deepStrictEqual(log, ['finish', 'end', 'close']);
      assert.deepStrictEqual(ws.calls, ['close']);
    });

    it('end() while connecting closes after open', async () => {
      const ws = new FakeWebSocket(CONNECTING);
      const duplex = createWebSocketStream(ws);
      duplex.resume();
      duplex.end();
      await tick();
      assert.deepStrictEqual(ws.calls, []);
      ws.open();
      assert.deepStrictEqual(ws.calls, ['close']);
    });

    it('end() after the WebSocket closed finishes at once', async () => {
      const { ws, duplex, log } = watchedStream();
      ws.finishClose(1000);
      await tick();
      assert.deepStrictEqual(log, ['end']);

      duplex.end();
      await tick();
      assert.deepStrictEqual(log, ['end', 'finish', 'close']);
      assert.deepStrictEqual(ws.calls, []);
    });

    it('end() on a client that never connected waits for its error', async () => {
      const ws = new FakeWebSocket(CONNECTING);
      const duplex = createWebSocketStream(ws);
      const log = [];
      watch(duplex, log);
      ws.readyState = CLOSING; // The handshake failed; no 'open'.
      duplex.end();
      await tick();
      assert.deepStrictEqual(log, []);
      assert.deepStrictEqual(ws.calls, []);

      ws.emit('error', new Error('handshake failed'));
      ws.finishClose(1006);
      await tick();
      assert.deepStrictEqual(log, ['error handshake failed', 'close']);
    });

    it('destroy() terminates an open WebSocket, then emits close', async () => {
      const { ws, duplex, log } = watchedStream();
      duplex.destroy();
      assert.deepStrictEqual(ws.calls, ['terminate']);
      await tick();
      assert.deepStrictEqual(log, ['close']);
    });

    it('destroy(err) emits the error, then close', async () => {
      const { ws, duplex, log } = watchedStream();
      duplex.destroy(new Error('mine'));
      await tick();
      assert.deepStrictEqual(log, ['error mine', 'close']);
    });

    it('destroy() on a closed WebSocket emits close without terminating', async () => {
      const ws = new FakeWebSocket();
      const duplex = createWebSocketStream(ws);
      ws.readyState = CLOSED;
      const log = [];
      watch(duplex, log);
      duplex.destroy();
      await tick();
      assert.deepStrictEqual(log, ['close']);
      assert.deepStrictEqual(ws.calls, []);
    });

    it('a WebSocket error destroys the stream without terminating', async () => {
      const { ws, duplex, log } = watchedStream();
      ws.emit('error', new Error('invalid frame'));
      ws.readyState = CLOSING;
      await tick();
      // The error is reported when destroying completes: on 'close'.
      assert.deepStrictEqual(log, []);
      assert.strictEqual(duplex.destroyed, true);
      assert.deepStrictEqual(ws.calls, []);

      ws.finishClose(1002);
      await tick();
      assert.deepStrictEqual(log, ['error invalid frame', 'close']);
    });

    it('an unhandled stream error still throws', () => {
      const ws = new FakeWebSocket();
      const duplex = createWebSocketStream(ws);
      const err = new Error('unhandled');
      assert.throws(() => duplex.emit('error', err), (thrown) => thrown === err);
      assert.strictEqual(duplex.destroyed, true);
    });

    it('a failed send errors the stream', async () => {
      const ws = new FakeWebSocket();
      ws.readyState = CLOSED;
      const duplex = createWebSocketStream(ws);
      const log = [];
      watch(duplex, log);
      duplex.write('late');
      await tick();
      await tick();
      assert.deepStrictEqual(log, ['error WebSocket is not open: readyState 3', 'close']);
    });

    it('uses only the public WebSocket API', async () => {
      const ws = new FakeWebSocket();
      const used = new Set();
      const spy = new Proxy(ws, {
        get(target, key, receiver) {
          if (typeof key === 'string') used.add(key);
          const value = Reflect.get(target, key, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        }
      });
      const duplex = createWebSocketStream(spy, { readableHighWaterMark: 1 });
      ws.emit('message', Buffer.from('xy'), true);
      duplex.read();
      duplex.write('a');
      duplex.end();
      await tick();
      ws.finishClose();
      duplex.destroy();
      await tick();
      const publicApi = [
        'readyState', 'CONNECTING', 'OPEN', 'CLOSING', 'CLOSED', 'isPaused',
        'on', 'once', 'send', 'close', 'terminate', 'pause', 'resume'
      ];
      for (const key of used) assert.ok(publicApi.includes(key), `uses ${key}`);
    });
  });

  describe('compared with ws own createWebSocketStream', () => {
    const implementations = {
      ws: WsWebSocket.createWebSocketStream,
      uws: createWebSocketStream
    };

    let wss;
    let onConnection;
    let serverClosed;

    before(async () => {
      wss = new WsWebSocket.WebSocketServer({ host: '127.0.0.1', port: 0 });
      await once(wss, 'listening');
      wss.on('connection', (ws) => {
        serverClosed = new Promise((resolve) => {
          ws.on('close', (code, reason) => resolve(`server close ${code} ${reason}`));
        });
        onConnection(ws);
      });
    });

    after((done) => {
      wss.close(done);
    });

    /** The URL of the test server. */
    const url = () => `ws://127.0.0.1:${wss.address().port}`;

    /**
     * Runs `scenario` with ws's createWebSocketStream and with ours; asserts
     * that the logs are equal, and returns our log.
     */
    async function sameAsWs(server, scenario) {
      const logs = {};
      for (const [name, create] of Object.entries(implementations)) {
        const log = [];
        onConnection = (ws) => server(ws, log);
        await scenario(create, log);
        logs[name] = log;
      }
      assert.deepStrictEqual(logs.uws, logs.ws);
      return logs.uws;
    }

    /** A server that echoes each message, text as text. */
    const echo = (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));

    it('echoes, then end() closes cleanly', async () => {
      const log = await sameAsWs(echo, async (create, log) => {
        const stream = create(new WsWebSocket(url()));
        watch(stream, log);
        stream.write('hello');
        await once(stream, 'data');
        stream.end();
        await closed(stream);
        log.push(await serverClosed);
      });
      assert.deepStrictEqual(log, ['data Buffer hello', 'finish', 'end', 'close', 'server close 1005 ']);
    });

    it('pushes text as string only in readableObjectMode', async () => {
      const server = (ws) => {
        ws.send('text');
        ws.send(Buffer.from('bin'));
        ws.close(1000, 'done');
      };
      for (const options of [{ readableObjectMode: true }, { encoding: 'utf8' }, {}]) {
        const log = await sameAsWs(server, async (create, log) => {
          const stream = create(new WsWebSocket(url()), options);
          const chunks = [];
          stream.on('data', (chunk) => chunks.push(chunk));
          await ended(stream);
          log.push(chunks.map((c) => [Buffer.isBuffer(c) ? 'Buffer' : typeof c, c.toString()]));
          stream.end();
          await closed(stream);
        });
        if (options.readableObjectMode) {
          assert.deepStrictEqual(log[0], [['string', 'text'], ['Buffer', 'bin']]);
        }
      }
    });

    it('writes made while connecting are sent after open', async () => {
      await sameAsWs(echo, async (create, log) => {
        const client = new WsWebSocket(url());
        const stream = create(client);
        log.push(client.readyState);
        stream.write('early');
        stream.setEncoding('utf8');
        const [data] = await once(stream, 'data');
        log.push(data);
        stream.destroy();
        await closed(stream);
      });
    });

    it('end() while connecting closes after open', async () => {
      const log = await sameAsWs(() => {}, async (create, log) => {
        const stream = create(new WsWebSocket(url()));
        watch(stream, log);
        stream.end();
        await closed(stream);
        log.push(await serverClosed);
      });
      assert.deepStrictEqual(log, ['finish', 'end', 'close', 'server close 1005 ']);
    });

    it('pauses the WebSocket under backpressure and delivers everything', async () => {
      const count = 200;
      const server = (ws) => {
        const payload = Buffer.alloc(1024, 'x');
        for (let i = 0; i < count; i++) ws.send(payload);
        ws.send('last');
      };
      await sameAsWs(server, async (create, log) => {
        const client = new WsWebSocket(url());
        const stream = create(client, { readableHighWaterMark: 4096 });
        while (!client.isPaused) await new Promise((resolve) => setTimeout(resolve, 5));
        log.push(`paused ${client.isPaused}`);

        let total = 0;
        stream.on('data', (chunk) => {
          total += chunk.length;
          if (total === count * 1024 + 4) {
            log.push(`received ${total}`);
            stream.end();
          }
        });
        await closed(stream);
        log.push(`paused after ${client.isPaused}`);
      });
    });

    it('destroy() terminates the connection', async () => {
      const log = await sameAsWs(() => {}, async (create, log) => {
        const client = new WsWebSocket(url());
        await once(client, 'open');
        const stream = create(client);
        watch(stream, log);
        stream.destroy();
        await closed(stream);
        log.push(await serverClosed);
      });
      assert.deepStrictEqual(log, ['close', 'server close 1006 ']);
    });

    it('destroy(err) emits the error and terminates', async () => {
      const log = await sameAsWs(() => {}, async (create, log) => {
        const client = new WsWebSocket(url());
        await once(client, 'open');
        const stream = create(client);
        watch(stream, log);
        stream.destroy(new Error('mine'));
        await closed(stream);
        log.push(await serverClosed);
      });
      assert.deepStrictEqual(log, ['error mine', 'close', 'server close 1006 ']);
    });

    it('destroy() while connecting', async () => {
      await sameAsWs(() => {}, async (create, log) => {
        const stream = create(new WsWebSocket(url()));
        watch(stream, log);
        stream.destroy();
        await closed(stream);
      });
    });

    it('a server close ends the readable side; end() then closes the stream', async () => {
      const log = await sameAsWs((ws) => ws.close(1000, 'bye'), async (create, log) => {
        const client = new WsWebSocket(url());
        const stream = create(client);
        watch(stream, log);
        await ended(stream);
        log.push(`readyState ${client.readyState}`, `destroyed ${stream.destroyed}`);
        stream.end();
        await closed(stream);
      });
      assert.deepStrictEqual(log, ['end', 'readyState 3', 'destroyed false', 'finish', 'close']);
    });

    it('a server close with allowHalfOpen false closes the stream', async () => {
      await sameAsWs((ws) => ws.close(1000, 'bye'), async (create, log) => {
        const stream = create(new WsWebSocket(url()), { allowHalfOpen: false });
        watch(stream, log);
        await closed(stream);
      });
    });

    it('a server terminate ends the readable side', async () => {
      await sameAsWs((ws) => ws.terminate(), async (create, log) => {
        const client = new WsWebSocket(url());
        const stream = create(client);
        watch(stream, log);
        await ended(stream);
        stream.end();
        await closed(stream);
      });
    });

    it('a write after the connection closed errors', async () => {
      const log = await sameAsWs((ws) => ws.close(), async (create, log) => {
        const stream = create(new WsWebSocket(url()));
        watch(stream, log);
        await ended(stream);
        stream.write('late');
        await closed(stream);
      });
      assert.deepStrictEqual(log, [
        'end',
        'error WebSocket is not open: readyState 3 (CLOSED)',
        'close'
      ]);
    });

    it('a protocol error from the peer errors the stream and closes cleanly', async () => {
      // Invalid UTF-8 in a text frame: the client fails the connection with
      // 1007 itself, which the stream must not cut short with terminate().
      const server = (ws) => ws.send(Buffer.from([0xff, 0xfe]), { binary: false });
      const log = await sameAsWs(server, async (create, log) => {
        const stream = create(new WsWebSocket(url()));
        watch(stream, log);
        await closed(stream);
        log.push(await serverClosed);
      });
      assert.deepStrictEqual(log, [
        'error Invalid WebSocket frame: invalid UTF-8 sequence',
        'close',
        'server close 1007 '
      ]);
    });

    it('a refused connection errors the stream', async () => {
      const port = await new Promise((resolve) => {
        const server = net.createServer().listen(0, '127.0.0.1', () => {
          const { port } = server.address();
          server.close(() => resolve(port));
        });
      });
      const log = await sameAsWs(() => {}, async (create, log) => {
        const stream = create(new WsWebSocket(`ws://127.0.0.1:${port}`));
        watch(stream, log);
        stream.write('never sent');
        stream.end();
        await closed(stream);
      });
      assert.deepStrictEqual(log, [`error connect ECONNREFUSED 127.0.0.1:${port}`, 'close']);
    });

    it('pipes both ways', async () => {
      await sameAsWs(echo, async (create, log) => {
        const stream = create(new WsWebSocket(url()));
        const { Readable } = require('stream');
        const { pipeline } = require('stream/promises');
        const chunks = [];
        stream.on('data', (chunk) => {
          chunks.push(chunk.toString());
          if (chunks.length === 3) stream.end();
        });
        await pipeline(Readable.from(['a', 'b', 'c']), stream, { end: false });
        await closed(stream);
        log.push(chunks.join(','));
      });
    });
  });
});
