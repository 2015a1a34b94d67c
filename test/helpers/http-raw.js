'use strict';

const crypto = require('crypto');
const net = require('net');

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function makeKey() {
  return crypto.randomBytes(16).toString('base64');
}

function acceptFor(key) {
  return crypto
    .createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/**
 * Builds an HTTP/1.1 WebSocket upgrade request head.
 *
 * @param {Object} [o]
 * @param {String} [o.method='GET']
 * @param {String} [o.path='/']
 * @param {String} [o.key] Sec-WebSocket-Key (random by default)
 * @param {(String|Number)} [o.version=13]
 * @param {Object} [o.headers] Extra headers; a value of `null` removes one of
 *     the default headers
 * @return {String}
 */
function upgradeRequest(o = {}) {
  const headers = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': o.key || makeKey(),
    'Sec-WebSocket-Version': String(o.version === undefined ? 13 : o.version),
    ...o.headers
  };

  let head = `${o.method || 'GET'} ${o.path || '/'} HTTP/1.1\r\n`;

  for (const name of Object.keys(headers)) {
    if (headers[name] === null) continue;
    head += `${name}: ${headers[name]}\r\n`;
  }

  return head + '\r\n';
}

/**
 * Parses an HTTP response head. Returns null if the head is incomplete.
 */
function parseHead(buf) {
  const end = buf.indexOf('\r\n\r\n');
  if (end === -1) return null;

  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const statusLine = lines[0];
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
  const headers = {};

  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    headers[name] =
      headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }

  return {
    statusLine,
    status: m ? Number(m[1]) : NaN,
    statusText: m ? m[2] || '' : '',
    headers,
    rawHead: buf.subarray(0, end + 4).toString('latin1'),
    headLength: end + 4
  };
}

/**
 * A raw TCP connection that speaks hand-written HTTP.
 */
class RawHttp {
  // allowHalfOpen: keep our side open after the server's FIN (Node ends it
  // at once otherwise), to see what the server does without our FIN.
  constructor(port, { allowHalfOpen = false } = {}) {
    this.socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen });
    this.socket.setNoDelay(true);
    this.data = Buffer.alloc(0);
    this.gotEnd = false;
    this.error = null;

    this.connected = new Promise((resolve) =>
      this.socket.once('connect', resolve)
    );
    this.closed = new Promise((resolve) => {
      this.socket.on('close', () => resolve(this));
    });

    this._waiters = [];
    this.socket.on('data', (chunk) => {
      this.data = Buffer.concat([this.data, chunk]);
      this._check();
    });
    this.socket.on('end', () => {
      this.gotEnd = true;
      this._check();
    });
    this.socket.on('error', (err) => {
      this.error = err;
    });
    this.socket.on('close', () => this._check(true));
  }

  write(data) {
    return new Promise((resolve) => this.socket.write(data, () => resolve()));
  }

  /**
   * Writes `data` one byte (or `size` bytes) at a time, each in its own
   * TCP write (waiting for each write to be flushed).
   */
  async writeSlowly(data, size = 1) {
    const buf = Buffer.from(data);
    for (let i = 0; i < buf.length; i += size) {
      await this.write(buf.subarray(i, i + size));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Resolves with the first complete HTTP response (head plus a body of
   * Content-Length bytes, or everything until the end of the stream when
   * there is no Content-Length), or with null if the connection closes first
   * without any response head.
   */
  response() {
    return new Promise((resolve) => {
      this._waiters.push(resolve);
      this._check();
    });
  }

  _check(closed = false) {
    if (!this._waiters.length) return;

    const head = parseHead(this.data);
    let result;

    if (head) {
      const rest = this.data.subarray(head.headLength);
      const cl = head.headers['content-length'];

      if (cl !== undefined && rest.length >= Number(cl)) {
        result = {
          ...head,
          body: rest.subarray(0, Number(cl)).toString(),
          rest: rest.subarray(Number(cl))
        };
      } else if (head.status === 101) {
        result = { ...head, body: '', rest };
      } else if (closed || this.gotEnd) {
        result = { ...head, body: rest.toString(), rest: Buffer.alloc(0) };
      }
    } else if (closed || this.gotEnd) {
      result = null;
    }

    if (result !== undefined) {
      const waiters = this._waiters;
      this._waiters = [];
      for (const w of waiters) w(result);
    }
  }

  destroy() {
    this.socket.destroy();
  }
}

/**
 * Sends `data` on a fresh connection and resolves with the response and the
 * connection (see `RawHttp#response()`).
 */
async function request(port, data) {
  const conn = new RawHttp(port);
  conn.write(data);
  const res = await conn.response();
  return { res, conn };
}

module.exports = {
  GUID,
  RawHttp,
  acceptFor,
  makeKey,
  parseHead,
  request,
  upgradeRequest
};
