'use strict';

const crypto = require('crypto');

const OPCODES = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa
};

/**
 * Builds a WebSocket frame, including malformed ones.
 *
 * @param {Object} [o]
 * @param {Boolean} [o.fin=true]
 * @param {Boolean} [o.rsv1=false]
 * @param {Boolean} [o.rsv2=false]
 * @param {Boolean} [o.rsv3=false]
 * @param {Number} [o.opcode=1]
 * @param {Boolean} [o.mask=true] Set the MASK bit and append a masking key
 * @param {Buffer} [o.maskKey] 4 bytes; random by default
 * @param {(Buffer|String)} [o.payload=''] The (unmasked) payload
 * @param {(String|Number)} [o.lengthEncoding='auto'] 'auto', 7, 16 or 64: force
 *     the length field encoding (non-minimal encodings are legal)
 * @param {(Number|BigInt)} [o.length] Override the declared payload length
 *     (the payload bytes are still written as given)
 * @return {Buffer}
 */
function frame(o = {}) {
  const fin = o.fin === undefined ? true : o.fin;
  const opcode = o.opcode === undefined ? 1 : o.opcode;
  const mask = o.mask === undefined ? true : o.mask;
  let payload = o.payload === undefined ? Buffer.alloc(0) : o.payload;
  if (typeof payload === 'string') payload = Buffer.from(payload);
  const declared = o.length === undefined ? payload.length : o.length;
  let enc = o.lengthEncoding === undefined ? 'auto' : o.lengthEncoding;

  if (enc === 'auto') {
    const n = Number(declared);
    enc = n < 126 ? 7 : n < 65536 ? 16 : 64;
  }

  const b0 =
    (fin ? 0x80 : 0) |
    (o.rsv1 ? 0x40 : 0) |
    (o.rsv2 ? 0x20 : 0) |
    (o.rsv3 ? 0x10 : 0) |
    (opcode & 0x0f);

  let head;

  if (enc === 7) {
    head = Buffer.from([b0, Number(declared) & 0x7f]);
  } else if (enc === 16) {
    head = Buffer.alloc(4);
    head[0] = b0;
    head[1] = 126;
    head.writeUInt16BE(Number(declared) & 0xffff, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = b0;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(declared), 2);
  }

  if (!mask) return Buffer.concat([head, payload]);

  head[1] |= 0x80;
  const key = o.maskKey || crypto.randomBytes(4);
  const masked = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) masked[i] = payload[i] ^ key[i & 3];
  return Buffer.concat([head, key, masked]);
}

/** A close frame payload: 2-byte code + reason. */
function closePayload(code, reason = '') {
  const r = Buffer.isBuffer(reason) ? reason : Buffer.from(reason);
  const buf = Buffer.alloc(2 + r.length);
  buf.writeUInt16BE(code, 0);
  r.copy(buf, 2);
  return buf;
}

/**
 * Incremental parser for frames sent by a server (normally unmasked, but
 * masked frames are unmasked too so that violations can be seen).
 */
class FrameParser {
  constructor(onFrame) {
    this.onFrame = onFrame;
    this.buf = Buffer.alloc(0);
  }

  push(chunk) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;

    for (;;) {
      const b = this.buf;
      if (b.length < 2) return;
      let len = b[1] & 0x7f;
      let off = 2;

      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        off = 10;
      }

      const masked = (b[1] & 0x80) !== 0;
      let key = null;

      if (masked) {
        if (b.length < off + 4) return;
        key = b.subarray(off, off + 4);
        off += 4;
      }

      if (b.length < off + len) return;
      const payload = Buffer.from(b.subarray(off, off + len));
      if (key) for (let i = 0; i < len; i++) payload[i] ^= key[i & 3];

      this.buf = b.subarray(off + len);
      this.onFrame({
        fin: (b[0] & 0x80) !== 0,
        rsv1: (b[0] & 0x40) !== 0,
        rsv2: (b[0] & 0x20) !== 0,
        rsv3: (b[0] & 0x10) !== 0,
        opcode: b[0] & 0x0f,
        masked,
        payload
      });
    }
  }
}

module.exports = { OPCODES, frame, closePayload, FrameParser };
