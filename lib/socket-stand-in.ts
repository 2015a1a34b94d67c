/**
 * The object that stands where `ws` users find a `net.Socket`: `req.socket`
 * of an upgrade request, the `socket` argument of `'wsClientError'`, and
 * `ws._socket`. The real socket lives in the native core; this carries its
 * addresses and maps the few stream methods a handshake needs (`write`,
 * `end`, `destroy`) onto the addon.
 *
 * @module
 */
import { EventEmitter } from 'node:events';

import { kHandshakeEnded } from './constants.js';
import { createStreamDestroyedError, createWriteAfterEndError } from './errors.js';
import { native, type UpgradeRequest } from './native.js';

/** Addresses of a connection, as the addon reports them. */
export type ConnectionAddresses = Pick<
  UpgradeRequest,
  'remoteAddress' | 'remotePort' | 'remoteFamily' | 'localAddress' | 'localPort'
>;

/** Something that takes over `destroy()` once the connection is a WebSocket. */
export interface SocketOwner {
  /** Closes the connection at once, as destroying `ws`'s socket does. */
  _destroyConnection(): void;
}

/** Who waits for a not-yet-WebSocket connection to be resolved (the server). */
export interface HandshakeOwner {
  /** The connection was ended or destroyed before it became a WebSocket. */
  [kHandshakeEnded](): void;
}

/** Callback of `write`/`end`, as Node's streams call it. */
type WriteCallback = (err?: Error | null) => void;

/**
 * One per connection. Before the upgrade is accepted, `write`/`end`/
 * `destroy` act on the raw connection (for `'wsClientError'` handlers that
 * answer the request themselves); afterwards `destroy()` is the WebSocket's
 * `ws._socket.destroy()` in `ws` (the connection closes at once) and raw
 * writes are refused (they would corrupt the frame
 * stream).
 *
 * It is an `EventEmitter` because handshake code subscribes to it (`'close'`
 * and `'finish'` are emitted after `destroy()` / `end()`); nothing is emitted
 * for data, which the core consumes.
 */
export class SocketStandIn extends EventEmitter {
  /** The peer's IP address. */
  remoteAddress: string;
  /** The peer's port. */
  remotePort: number;
  /** `'IPv4'` or `'IPv6'`. */
  remoteFamily: string;
  /** Our IP address on this connection. */
  localAddress: string;
  /** Our port on this connection. */
  localPort: number;
  /** A plain TCP connection is not TLS (`tls.TLSSocket#encrypted` is `true`). */
  encrypted: boolean;
  /** Whether `end()`/`destroy()` has not been called on it yet. */
  writable: boolean;
  /** Whether `destroy()` has not been called and the request's side is still open. */
  readable: boolean;
  /** Whether `destroy()` was called (or the connection is known to be gone). */
  destroyed: boolean;

  /** The addon's connection id. */
  _connectionId: number;
  /** The WebSocket that owns the connection after the upgrade; null before. */
  _owner: SocketOwner | null;
  /** Told once when the connection ends before the upgrade; null once resolved. */
  _handshakeOwner: HandshakeOwner | null;

  /**
   * @param connectionId - the addon's connection id
   * @param addresses - the connection's addresses (an `UpgradeRequest` does)
   */
  constructor(connectionId: number, addresses: ConnectionAddresses) {
    super();
    this.remoteAddress = addresses.remoteAddress;
    this.remotePort = addresses.remotePort;
    this.remoteFamily = addresses.remoteFamily;
    this.localAddress = addresses.localAddress;
    this.localPort = addresses.localPort;
    this.encrypted = false;
    this.writable = true;
    this.readable = true;
    this.destroyed = false;
    this._connectionId = connectionId;
    this._owner = null;
    this._handshakeOwner = null;
  }

  /** Like `net.Socket#address()`: the local end. */
  address(): { address: string; family: string; port: number } {
    return { address: this.localAddress, family: this.localFamily, port: this.localPort };
  }

  /** The family of the local address (the same as the peer's on TCP). */
  get localFamily(): string {
    return this.remoteFamily;
  }

  /**
   * Writes raw bytes on a connection that is not a WebSocket yet (an HTTP
   * response). Returns `false`, like a full stream, when the bytes could not
   * be queued (connection gone, already a WebSocket, or ended).
   *
   * @param data - the bytes, or a string in `encoding` (default UTF-8)
   * @param encoding - the string's encoding, or the callback
   * @param cb - called once the bytes are queued, or with an error
   */
  write(
    data: string | Uint8Array,
    encoding?: BufferEncoding | WriteCallback,
    cb?: WriteCallback
  ): boolean {
    if (typeof encoding === 'function') {
      cb = encoding;
      encoding = undefined;
    }

    if (!this.writable || this._owner !== null) {
      if (cb) process.nextTick(cb, this.destroyed ? createStreamDestroyedError() : createWriteAfterEndError());
      return false;
    }

    const ok = native.writeRaw(this._connectionId, toRawBytes(data, encoding));
    if (cb) process.nextTick(cb, ok ? null : createStreamDestroyedError());
    return ok;
  }

  /**
   * Writes `data` (if any), then ends the connection once everything queued
   * is out (FIN, then close), like `socket.end()` followed by the `'finish'`
   * → `destroy()` that `ws` uses when it rejects a handshake.
   *
   * @param data - last bytes to write, or the callback
   * @param encoding - the string's encoding, or the callback
   * @param cb - called after the end was queued
   */
  end(
    data?: string | Uint8Array | (() => void),
    encoding?: BufferEncoding | (() => void),
    cb?: () => void
  ): this {
    if (typeof data === 'function') {
      cb = data;
      data = undefined;
    } else if (typeof encoding === 'function') {
      cb = encoding;
      encoding = undefined;
    }

    if (this._owner !== null) {
      // A WebSocket's stream is ended by the close handshake, not raw.
      if (cb) process.nextTick(cb);
      return this;
    }

    if (this.writable) {
      if (data !== undefined && data !== null && data.length > 0) {
        native.writeRaw(this._connectionId, toRawBytes(data, encoding as BufferEncoding | undefined));
      }
      native.end(this._connectionId);
      this.writable = false;
      this.readable = false;
      this._endHandshake();
      process.nextTick(emitFinishAndClose, this);
    }

    if (cb) process.nextTick(cb);
    return this;
  }

  /**
   * Closes the connection at once. On a WebSocket, `'close'` follows as
   * after destroying `ws._socket` in `ws`.
   *
   * @param _err - ignored; accepted for `stream.destroy(err)` signatures
   */
  destroy(_err?: Error): this {
    if (this._owner !== null) {
      this._owner._destroyConnection();
      return this;
    }

    if (!this.destroyed) {
      native.destroy(this._connectionId);
      this._markGone();
      this._endHandshake();
      process.nextTick(emitClose, this);
    }

    return this;
  }

  /** `net.Socket` compatibility: the core sets no idle timeout and always NODELAY. */
  setTimeout(_ms: number, _cb?: () => void): this {
    return this;
  }

  /** `net.Socket` compatibility; the core already disables Nagle. */
  setNoDelay(_noDelay?: boolean): this {
    return this;
  }

  /** `net.Socket` compatibility; keep-alive is not configurable yet. */
  setKeepAlive(_enable?: boolean, _initialDelay?: number): this {
    return this;
  }

  /** `net.Socket` compatibility; reading is driven by the core (`ws.pause()` pauses it). */
  pause(): this {
    return this;
  }

  /** `net.Socket` compatibility; see `pause()`. */
  resume(): this {
    return this;
  }

  /** `net.Socket` compatibility; nothing to cork on this side. */
  cork(): void {}

  /** `net.Socket` compatibility; see `cork()`. */
  uncork(): void {}

  /** Tells the handshake owner (once) that this connection will not become a WebSocket. */
  _endHandshake(): void {
    const owner = this._handshakeOwner;
    if (owner !== null) {
      this._handshakeOwner = null;
      owner[kHandshakeEnded]();
    }
  }

  /** Marks the connection as gone (closed by us, by the peer, or handed off). */
  _markGone(): void {
    this.writable = false;
    this.readable = false;
    this.destroyed = true;
  }
}

/** Converts what `write`/`end` accept into what `native.writeRaw` takes. */
function toRawBytes(data: string | Uint8Array, encoding: BufferEncoding | undefined): string | Buffer {
  if (typeof data === 'string') {
    return encoding === undefined || encoding === 'utf8' || encoding === 'utf-8'
      ? data
      : Buffer.from(data, encoding);
  }
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function emitFinishAndClose(socket: SocketStandIn): void {
  socket.emit('finish');
  socket._markGone();
  socket.emit('close', false);
}

function emitClose(socket: SocketStandIn): void {
  socket.emit('close', false);
}
