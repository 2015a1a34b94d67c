'use strict';

const assert = require('assert/strict');

const { RawHttp, acceptFor, makeKey, upgradeRequest } = require('./http-raw');
const { FrameParser, OPCODES, closePayload, frame } = require('./frames');

/**
 * A hand-driven WebSocket client over a raw TCP socket. It performs a valid
 * upgrade, then writes whatever bytes it is told to and parses the server's
 * frames back.
 */
class RawClient {
  constructor(conn) {
    this.conn = conn;
    this.socket = conn.socket;
    this.frames = [];
    this.messages = [];
    this.closeFrame = null;
    this._fragments = null;
    this._waiters = [];

    this.parser = new FrameParser((f) => this._onFrame(f));

    // Resolves when the server ends the TCP connection (FIN or reset).
    this.ended = new Promise((resolve) => {
      const done = () => resolve(this);
      this.socket.once('end', done);
      this.socket.once('close', done);
    });
    this.closed = conn.closed;

    this.socket.on('close', () => this._check());
  }

  get gotEnd() {
    return this.conn.gotEnd;
  }

  _onFrame(f) {
    this.frames.push(f);

    if (f.opcode === OPCODES.close) {
      if (!this.closeFrame) {
        this.closeFrame = {
          code: f.payload.length >= 2 ? f.payload.readUInt16BE(0) : null,
          reason: f.payload.subarray(2).toString(),
          payload: f.payload
        };
      }
    } else if (f.opcode < 8) {
      if (f.opcode !== 0) this._fragments = { opcode: f.opcode, parts: [] };
      if (this._fragments) {
        this._fragments.parts.push(f.payload);
        if (f.fin) {
          const data = Buffer.concat(this._fragments.parts);
          this.messages.push({
            opcode: this._fragments.opcode,
            binary: this._fragments.opcode === 2,
            data,
            text: data.toString(),
            fragments: this._fragments.parts.length
          });
          this._fragments = null;
        }
      }
    }

    this._check();
  }

  _check() {
    const pending = this._waiters;
    this._waiters = [];

    for (const w of pending) {
      const v = w.test();
      if (v !== undefined) w.resolve(v);
      else if (this.socket.destroyed && !this.socket.readable) w.resolve(null);
      else this._waiters.push(w);
    }
  }

  /**
   * Resolves with `test()`'s first non-undefined result, checked after every
   * frame; resolves with null if the socket closes first.
   */
  waitFor(test) {
    return new Promise((resolve) => {
      this._waiters.push({ test, resolve });
      this._check();
    });
  }

  /** The n-th frame received (0-based), or null if the socket closes. */
  nextFrame(n = this._frameCursor || 0) {
    this._frameCursor = n + 1;
    return this.waitFor(() => this.frames[n]);
  }

  /** The n-th reassembled data message, or null if the socket closes. */
  message(n = 0) {
    return this.waitFor(() => this.messages[n]);
  }

  /** The first close frame received, or null if the socket closes first. */
  waitCloseFrame() {
    return this.waitFor(() => this.closeFrame || undefined);
  }

  write(data) {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.write(data, () => resolve());
    });
  }

  /** Writes one frame built by `frame(opts)`. */
  sendFrame(opts) {
    return this.write(frame(opts));
  }

  /** Writes a masked text (string) or binary (Buffer) message. */
  send(data, opts = {}) {
    return this.sendFrame({
      opcode: typeof data === 'string' ? 1 : 2,
      payload: data,
      ...opts
    });
  }

  sendClose(code, reason) {
    return this.sendFrame({
      opcode: 8,
      payload: code === undefined ? Buffer.alloc(0) : closePayload(code, reason)
    });
  }

  /** Half-close: send a TCP FIN. */
  end() {
    this.socket.end();
  }

  destroy() {
    this.socket.destroy();
  }
}

/**
 * Opens a TCP connection, performs a valid upgrade by hand and resolves with
 * a `RawClient`.
 *
 * @param {Number} port
 * @param {Object} [o]
 * @param {String} [o.path='/']
 * @param {Object} [o.headers] Extra request headers
 * @param {Buffer} [o.trailer] Bytes written in the same TCP write as the
 *     request head
 * @param {Promise} [o.gate] Connect at once, but write the request only
 *     once this resolves (many clients' requests written in one tick)
 */
async function connect(port, o = {}) {
  const key = makeKey();
  const conn = new RawHttp(port, { allowHalfOpen: o.allowHalfOpen });
  if (o.gate) await o.gate;
  const head = Buffer.from(upgradeRequest({ ...o, key }));
  conn.socket.write(o.trailer ? Buffer.concat([head, o.trailer]) : head);

  const res = await conn.response();

  if (!res || res.status !== 101) {
    conn.destroy();
    throw new Error(
      `Upgrade failed: ${res ? res.rawHead + res.body : 'connection closed'}`
    );
  }

  assert.equal(res.headers['sec-websocket-accept'], acceptFor(key));

  const client = new RawClient(conn);
  client.response = res;
  // Anything the socket received after the head is frame data.
  conn.socket.removeAllListeners('data');
  conn.socket.on('data', (chunk) => client.parser.push(chunk));
  if (res.rest.length) client.parser.push(res.rest);
  return client;
}

module.exports = { RawClient, connect, frame, closePayload, OPCODES };
