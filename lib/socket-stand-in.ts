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
import { native, type ConnectionAddresses } from './native.js';

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

// Bits of `SocketStandIn#_state`.
const S_NOT_WRITABLE = 1;
const S_NOT_READABLE = 2;
const S_DESTROYED = 4;
const S_ENCRYPTED = 8;
/** `_link` is the WebSocket (`_owner`), not the handshake owner. */
const S_OWNED = 16;
/** Its `'close'` is emitted or on its way (Node's sockets emit it once). */
const S_CLOSE_EMITTED = 32;

/** Callback of `write`/`end`, as Node's streams call it. */
type WriteCallback = (err?: Error | null) => void;

/**
 * The `EventEmitter` fields Node's constructor (`EventEmitter.init`) gives
 * every instance, which the classes below set themselves, or leave to the
 * first listener, to stay small.
 */
export interface EmitterFields {
  _events: Record<string | symbol, unknown> | undefined;
  _eventsCount: number;
}

const eventEmitterInit = (EventEmitter as unknown as { init: (this: object) => void }).init;

/** Node's private `kCapture` symbol (`captureRejections`), when it can be found. */
export const kCapture: symbol | undefined = Object.getOwnPropertySymbols(EventEmitter.prototype).find(
  (symbol) => symbol.description === 'kCapture'
);

/**
 * What `super()` calls in `SocketStandIn` and `WebSocket` (see
 * `useLightEmitter`): an `EventEmitter` constructor that leaves the
 * instance empty. Node's `EventEmitter.init` gives each instance five own
 * fields and a dictionary-mode `_events`; an instance works the same
 * without them (they are read from `EventEmitter.prototype`, and the first
 * listener creates `_events`, as for any emitter that never ran the
 * constructor). The one value that is not the prototype's at all times,
 * `captureRejections`, is pinned the way `init` would: the prototypes of
 * the light classes hold `false`, and an instance made while
 * `EventEmitter.captureRejections` is on gets its own `true`. When
 * something patched `EventEmitter.init`, it runs as it would for any
 * emitter; so it does once the `domain` module is loaded (its patch sets
 * `domain`), also when that was before this module read `init`.
 */
function LightEmitter(this: object): void {
  const init = (EventEmitter as unknown as { init: (this: object) => void }).init;
  if (init !== eventEmitterInit || (EventEmitter as unknown as { usingDomains?: boolean }).usingDomains) {
    init.call(this);
  } else if (kCapture !== undefined && (EventEmitter.prototype as unknown as Record<symbol, unknown>)[kCapture]) {
    (this as Record<symbol, unknown>)[kCapture] = true;
  }
}
LightEmitter.prototype = EventEmitter.prototype;
// The statics of `EventEmitter` (`defaultMaxListeners`, `once`, ...) stay reachable.
Object.setPrototypeOf(LightEmitter, EventEmitter);

/**
 * Makes `super()` in `cls` (declared `extends EventEmitter`) call
 * `LightEmitter` instead of Node's constructor. Instances are still
 * `EventEmitter`s (`cls.prototype` inherits from `EventEmitter.prototype`);
 * only `Object.getPrototypeOf(cls)` is `LightEmitter` rather than
 * `EventEmitter`.
 */
export function useLightEmitter(cls: abstract new (...args: never[]) => EventEmitter): void {
  Object.setPrototypeOf(cls, LightEmitter);
  if (kCapture !== undefined) {
    Object.defineProperty(cls.prototype, kCapture, { value: false, writable: true, enumerable: false, configurable: true });
  }
}

/**
 * The local end of connections, shared by all that have the same (one per
 * listening address, in practice).
 */
interface LocalEnd {
  readonly address: string | undefined;
  readonly port: number | undefined;
  /** The family of the local address (the same as the peer's on TCP). */
  readonly family: string | undefined;
}

/** The last `LocalEnd` made, reused while connections come in on the same address. */
let lastLocalEnd: LocalEnd = { address: '', port: -1, family: '' };

/** The addresses of a connection closed before anything asked for them: Node's are undefined then. */
const NO_ADDRESSES: ConnectionAddresses = {
  remoteAddress: undefined,
  remotePort: undefined,
  remoteFamily: undefined,
  localAddress: undefined,
  localPort: undefined
};
/**
 * Peer addresses seen lately. The addon makes a new string per connection;
 * connections from one address (a proxy, a NAT, a load balancer) share one
 * string. Bounded: cleared when full.
 */
const remoteAddresses = new Map<string, string>();
const REMOTE_ADDRESSES_MAX = 256;

function localEndOf(addresses: ConnectionAddresses): LocalEnd {
  const last = lastLocalEnd;
  if (
    addresses.localAddress === last.address &&
    addresses.localPort === last.port &&
    addresses.remoteFamily === last.family
  ) {
    return last;
  }
  return (lastLocalEnd = {
    address: addresses.localAddress,
    port: addresses.localPort,
    family: addresses.remoteFamily
  });
}

function sharedRemoteAddress(address: string | undefined): string | undefined {
  if (typeof address !== 'string') return address;
  const shared = remoteAddresses.get(address);
  if (shared !== undefined) return shared;
  if (remoteAddresses.size >= REMOTE_ADDRESSES_MAX) remoteAddresses.clear();
  remoteAddresses.set(address, address);
  return address;
}

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
 *
 * A WebSocket keeps its stand-in for its whole life, so it is kept small:
 * its own properties are the peer's address and port, the shared local end,
 * the connection id, one owner link and a bit field (72 bytes), set in the
 * constructor only, so that every stand-in keeps one shape. `localAddress`,
 * `localPort` and `remoteFamily` (from the shared local end), `encrypted`,
 * `writable`, `readable`, `destroyed` (bits) and `_owner`/`_handshakeOwner`
 * (the link) are accessors, as the first ones are on `net.Socket`. The
 * `EventEmitter` fields come with the first listener (`useLightEmitter`).
 */
export class SocketStandIn extends EventEmitter {
  /** The peer's IP address (undefined if the connection was closed before it was first read). */
  declare remoteAddress: string | undefined;
  /** The peer's port (undefined as `remoteAddress`). */
  declare remotePort: number | undefined;

  /** The local address, port and family (shared between connections). */
  declare _local: LocalEnd;
  /** The addon's connection id. */
  declare _connectionId: number;
  /** `_owner` (with `S_OWNED`) or `_handshakeOwner` (without). */
  declare _link: SocketOwner | HandshakeOwner | null;
  /** Bits `S_*`. */
  declare _state: number;

  /**
   * @param connectionId - the addon's connection id
   * @param addresses - the connection's addresses (an `UpgradeRequest` does)
   */
  constructor(connectionId: number, addresses: ConnectionAddresses) {
    super();
    this.remoteAddress = sharedRemoteAddress(addresses.remoteAddress);
    this.remotePort = addresses.remotePort;
    this._local = localEndOf(addresses);
    this._connectionId = connectionId;
    this._link = null;
    this._state = 0;
  }

  /** A plain TCP connection is not TLS (`tls.TLSSocket#encrypted` is `true`). */
  get encrypted(): boolean {
    return (this._state & S_ENCRYPTED) !== 0;
  }

  set encrypted(value: boolean) {
    this._setBit(S_ENCRYPTED, value);
  }

  /** Whether `end()`/`destroy()` has not been called on it yet. */
  get writable(): boolean {
    return (this._state & S_NOT_WRITABLE) === 0;
  }

  set writable(value: boolean) {
    this._setBit(S_NOT_WRITABLE, !value);
  }

  /** Whether `destroy()` has not been called and the request's side is still open. */
  get readable(): boolean {
    return (this._state & S_NOT_READABLE) === 0;
  }

  set readable(value: boolean) {
    this._setBit(S_NOT_READABLE, !value);
  }

  /** Whether `destroy()` was called (or the connection is known to be gone). */
  get destroyed(): boolean {
    return (this._state & S_DESTROYED) !== 0;
  }

  set destroyed(value: boolean) {
    this._setBit(S_DESTROYED, value);
  }

  /** The WebSocket that owns the connection after the upgrade; null before. */
  get _owner(): SocketOwner | null {
    return this._state & S_OWNED ? (this._link as SocketOwner | null) : null;
  }

  set _owner(owner: SocketOwner | null) {
    if (owner !== null) {
      this._link = owner;
      this._state |= S_OWNED;
    } else if (this._state & S_OWNED) {
      this._link = null;
      this._state &= ~S_OWNED;
    }
  }

  /** Told once when the connection ends before the upgrade; null once resolved (or owned). */
  get _handshakeOwner(): HandshakeOwner | null {
    return this._state & S_OWNED ? null : (this._link as HandshakeOwner | null);
  }

  set _handshakeOwner(owner: HandshakeOwner | null) {
    // Once owned, the link is the WebSocket's and the handshake is resolved.
    if (!(this._state & S_OWNED)) this._link = owner;
  }

  _setBit(bit: number, on: boolean): void {
    this._state = on ? this._state | bit : this._state & ~bit;
  }

  /** Our IP address on this connection. */
  get localAddress(): string | undefined {
    return this._local.address;
  }

  set localAddress(value: string | undefined) {
    this._setLocal(value, this._local.port, this._local.family);
  }

  /** Our port on this connection. */
  get localPort(): number | undefined {
    return this._local.port;
  }

  set localPort(value: number | undefined) {
    this._setLocal(this._local.address, value, this._local.family);
  }

  /** `'IPv4'` or `'IPv6'`. */
  get remoteFamily(): string | undefined {
    return this._local.family;
  }

  set remoteFamily(value: string | undefined) {
    this._setLocal(this._local.address, this._local.port, value);
  }

  /** An assignment to one of the shared local-end values (the shared object stays as it is). */
  _setLocal(address: string | undefined, port: number | undefined, family: string | undefined): void {
    this._local = { address, port, family };
  }

  /** Like `net.Socket#address()`: the local end. */
  address(): { address: string | undefined; family: string | undefined; port: number | undefined } {
    return { address: this.localAddress, family: this.localFamily, port: this.localPort };
  }

  /** The family of the local address (the same as the peer's on TCP). */
  get localFamily(): string | undefined {
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

    // Before 'finish', as Node calls an end() callback.
    if (cb) process.nextTick(cb);

    if (this._owner !== null) {
      // A WebSocket's stream is ended by the close handshake, not raw.
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
      this._state |= S_CLOSE_EMITTED;
      process.nextTick(emitFinishAndClose, this);
    }

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
      if (!(this._state & S_CLOSE_EMITTED)) {
        this._state |= S_CLOSE_EMITTED;
        process.nextTick(emitClose, this);
      }
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
    this._state |= S_NOT_WRITABLE | S_NOT_READABLE | S_DESTROYED;
  }
}

useLightEmitter(SocketStandIn);

/**
 * The stand-in of a connection of the own listener, made when something
 * first asks for it (`req.socket`, `ws._socket`; see `incoming-request.ts`).
 * The addresses come from the addon then; a connection already closed or
 * reset has none (as a `net.Socket` whose addresses were never read). The
 * caller links it to its handshake owner or WebSocket.
 *
 * @param connectionId - the addon's connection id
 * @param open - false when the caller knows the connection is gone: the
 *   stand-in is marked gone, and the id is not even asked about (it may
 *   name a newer connection by then). When true, the stand-in acts on the
 *   connection (end, destroy) even if the addon no longer has it: an
 *   unresolved handshake still ends through it.
 */
export function standInOf(connectionId: number, open: boolean): SocketStandIn {
  const addresses = open ? native.peerInfo(connectionId) : null;
  const socket = new SocketStandIn(connectionId, addresses ?? NO_ADDRESSES);
  if (!open) socket._markGone();
  return socket;
}

// `net.Socket`'s are too, but `ws` users may enumerate the stand-in's.
for (const property of ['encrypted', 'writable', 'readable', 'destroyed', 'localAddress', 'localPort', 'remoteFamily']) {
  Object.defineProperty(SocketStandIn.prototype, property, { enumerable: true });
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
  // Destroyed meanwhile: as a Node socket, it never finished writing.
  if (!socket.destroyed) socket.emit('finish');
  socket._markGone();
  socket.emit('close', false);
}

function emitClose(socket: SocketStandIn): void {
  socket.emit('close', false);
}
