/**
 * The `WebSocket` class: the `ws` 8.23 API over a connection owned by the
 * native core. The core runs the protocol (framing, masking, UTF-8, the
 * closing handshake, close timer, automatic pongs); this class keeps the
 * state flags `ws` keeps, validates arguments the way `ws` does, and turns
 * the addon's callbacks into the events, errors and `readyState`
 * transitions `ws` users see, in the same order.
 *
 * The transport is just "a native connection id": the server binds one after
 * the upgrade; the client (not implemented yet) will bind one after its own
 * handshake, and everything below `_bindConnection` is shared.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import type { Agent, ClientRequest, ClientRequestArgs, IncomingMessage } from 'node:http';
import type { createConnection } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import { types as utilTypes } from 'node:util';
import { markAsUntransferable } from 'node:worker_threads';
import type { ZlibOptions } from 'node:zlib';

import {
  BINARY_TYPES,
  CLOSED,
  CLOSE_TIMEOUT,
  CLOSING,
  CONNECTING,
  EMPTY_BUFFER,
  OPCODE_BINARY,
  OPCODE_CONTINUATION,
  OPCODE_PING,
  OPCODE_PONG,
  OPCODE_TEXT,
  OPEN,
  kConnectionClosed,
  kHandleUpgrade,
  kStatusCode,
  type BinaryType
} from './constants.js';
import {
  createNotOpenError,
  createProtocolError,
  createStreamDestroyedError,
  type ProtocolError
} from './errors.js';
import {
  EventTarget,
  defineEventHandlerProperties,
  type CloseEvent,
  type ErrorEvent,
  type Event,
  type MessageEvent,
  type WebSocketEventMap as EventMapOf
} from './event-target.js';
import { abortRequest, initAsClient } from './client-handshake.js';
import { native, SendFlag, type HandshakeCheck, type NativeCallbacks, type UpgradeRequest } from './native.js';
import { kCapture, standInOf, useLightEmitter, type EmitterFields, type SocketStandIn } from './socket-stand-in.js';
import { onTransportDestroy, onTransportEnd, onTransportWrite, type FedTransport } from './socket-takeover.js';
import { isBlob, isValidStatusCode } from './validation.js';

/** A received message, as `'message'` listeners get it (same as `@types/ws`). */
export type RawData = Buffer | ArrayBuffer | Buffer[];

/** What `send()` accepts (anything else goes through `Buffer.from`, as in `ws`); as `@types/ws`. */
export type SendData =
  | string
  | number
  | Buffer
  | DataView
  | ArrayBufferView
  | Uint8Array
  | ArrayBuffer
  | SharedArrayBuffer
  | Blob
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  | readonly any[]
  | readonly number[]
  | { valueOf(): ArrayBuffer }
  | { valueOf(): SharedArrayBuffer }
  | { valueOf(): Uint8Array }
  | { valueOf(): readonly number[] }
  | { valueOf(): string }
  | { [Symbol.toPrimitive](hint: string): string };

/** Options of `send()`. */
export interface SendOptions {
  /** Send as a binary message (default: `typeof data !== 'string'`). */
  binary?: boolean;
  /** Compress (ignored until permessage-deflate is negotiated). */
  compress?: boolean;
  /** Whether this is the last fragment of the message (default `true`). */
  fin?: boolean;
  /** Mask the payload (default: `false` on the server side). */
  mask?: boolean;
}

/**
 * The callback of `send`: called once the data is written (with `null`, as
 * Node's write callbacks are), or with an error. Typed as in `@types/ws`.
 */
export type SendCallback = (err?: Error) => void;

/** The callback of `ping`/`pong` (typed as in `@types/ws`; called like `send`'s). */
export type ControlCallback = (err: Error) => void;

/** How callbacks are called internally: `null` on success, like Node's write callbacks. */
type WriteCallback = (err: Error | null) => void;

/**
 * Options the constructor reads on the server side. The server passes its
 * own options object (as `ws` does), so a `WebSocket` subclass given as the
 * server's `WebSocket` option is constructed the same way.
 */
export interface WebSocketOptions {
  /** Emit several `'message'`/`'ping'`/`'pong'` events in one tick (default `true`). */
  allowSynchronousEvents?: boolean;
  /** Answer pings automatically (done by the core; default `true`). */
  autoPong?: boolean;
  /** Close the connection when this many automatic pongs are unsent (default 60). */
  maxPendingAutoPongs?: number;
  /** Milliseconds to wait for the closing handshake (default 30000). */
  closeTimeout?: number;
}

/** permessage-deflate settings, as in `ws` (accepted; not negotiated yet). */
export interface PerMessageDeflateOptions {
  serverNoContextTakeover?: boolean | undefined;
  clientNoContextTakeover?: boolean | undefined;
  serverMaxWindowBits?: number | undefined;
  clientMaxWindowBits?: number | undefined;
  zlibDeflateOptions?:
    | {
        flush?: number | undefined;
        finishFlush?: number | undefined;
        chunkSize?: number | undefined;
        windowBits?: number | undefined;
        level?: number | undefined;
        memLevel?: number | undefined;
        strategy?: number | undefined;
        dictionary?: Buffer | Buffer[] | DataView | undefined;
        info?: boolean | undefined;
      }
    | undefined;
  zlibInflateOptions?: ZlibOptions | undefined;
  threshold?: number | undefined;
  concurrencyLimit?: number | undefined;
}

/** Certificate and key data. */
export type CertMeta = string | string[] | Buffer | Buffer[];

/** Last-minute changes to a client's handshake request; must call `request.end()`. */
export type FinishRequestCallback = (request: ClientRequest, websocket: WebSocket) => void;

/** Options of the client (`new WebSocket(url, options)`), as in `ws` 8.23. */
export interface ClientOptions extends SecureContextOptions, WebSocketOptions {
  protocol?: string | undefined;
  followRedirects?: boolean | undefined;
  generateMask?(mask: Buffer): void;
  handshakeTimeout?: number | undefined;
  maxRedirects?: number | undefined;
  perMessageDeflate?: boolean | PerMessageDeflateOptions | undefined;
  localAddress?: string | undefined;
  protocolVersion?: number | undefined;
  headers?: { [key: string]: string } | undefined;
  origin?: string | undefined;
  agent?: Agent | undefined;
  host?: string | undefined;
  family?: number | undefined;
  checkServerIdentity?(servername: string, cert: CertMeta): boolean;
  rejectUnauthorized?: boolean | undefined;
  maxPayload?: number | undefined;
  maxBufferedChunks?: number | undefined;
  maxFragments?: number | undefined;
  skipUTF8Validation?: boolean | undefined;
  createConnection?: typeof createConnection | undefined;
  finishRequest?: FinishRequestCallback | undefined;
}

/** The WHATWG events of a WebSocket, by type, with the WebSocket as `target`. */
export type WebSocketEventMap = EventMapOf<WebSocket>;

/** Options of `addEventListener`. */
export interface EventListenerOptions {
  /** Remove the listener after its first call. */
  once?: boolean | undefined;
}

/** A WHATWG listener: a function, or an object with `handleEvent`. */
export type WebSocketEventListener<K extends keyof WebSocketEventMap> =
  | ((this: WebSocket, event: WebSocketEventMap[K]) => void)
  | { handleEvent(event: WebSocketEventMap[K]): void };

/** Anything that owns `WebSocket`s and wants to know when one is gone. */
export interface ConnectionOwner {
  /** Called after the WebSocket emitted `'close'`. */
  [kConnectionClosed](ws: WebSocket): void;
}

/** A listener owner the addon's `onUpgrade` dispatches to (the server). */
interface UpgradeHandler {
  [kHandleUpgrade](id: number, request: UpgradeRequest, check: HandshakeCheck): void;
}

/** The listener signatures of the events a `WebSocket` emits (the last three: client only). */
export interface WebSocketEvents {
  close: (this: WebSocket, code: number, reason: Buffer) => void;
  error: (this: WebSocket, err: Error) => void;
  message: (this: WebSocket, data: RawData, isBinary: boolean) => void;
  open: (this: WebSocket) => void;
  ping: (this: WebSocket, data: Buffer) => void;
  pong: (this: WebSocket, data: Buffer) => void;
  upgrade: (this: WebSocket, response: IncomingMessage) => void;
  'unexpected-response': (this: WebSocket, request: ClientRequest, response: IncomingMessage) => void;
  redirect: (this: WebSocket, url: string, request: ClientRequest) => void;
}

// Kinds of events held back when `allowSynchronousEvents` is false.
const EVENT_MESSAGE = 0;
const EVENT_PING = 1;
const EVENT_PONG = 2;
// These are not themselves deferred; they wait behind deferred ones, as in
// `ws` where they are parsed only after the deferred event was emitted.
const EVENT_CLOSE_FRAME = 3;
const EVENT_PROTOCOL_ERROR = 4;
const EVENT_END = 5;

/** The extensions of a connection that negotiated none (shared, never mutated). */
const NO_EXTENSIONS: Readonly<Record<string, unknown>> = Object.freeze({});

// Bits of `WebSocket#_flags`.
const F_SERVER = 1 << 0;
const F_CONNECTED = 1 << 1;
const F_SYNC_EVENTS = 1 << 2;
const F_PAUSED = 1 << 3;
const F_CLOSE_FRAME_RECEIVED = 1 << 4;
const F_CLOSE_FRAME_SENT = 1 << 5;
const F_ERROR_EMITTED = 1 << 6;
const F_PROTOCOL_ERRORED = 1 << 7;
/** A fragmented message is being sent (`ws`: not `_firstFragment`). */
const F_MID_MESSAGE = 1 << 8;
const F_SENDER_BUSY = 1 << 9;
/** Two bits: the index of `binaryType` in `BINARY_TYPE_NAMES`. */
const BINARY_TYPE_SHIFT = 10;
const F_BINARY_TYPE = 3 << BINARY_TYPE_SHIFT;
/** Two bits: `readyState` (`CONNECTING` is 0, so a new WebSocket starts there). */
const READY_STATE_SHIFT = 12;
const F_READY_STATE = 3 << READY_STATE_SHIFT;
/**
 * Sixteen bits: `_eventsCount` (see its accessor). Bit 30 stays clear: with
 * pointer compression a small integer ends at 2^30.
 */
const EVENTS_COUNT_SHIFT = 14;
const EVENTS_COUNT_MAX = 0xffff;
const F_EVENTS_COUNT = EVENTS_COUNT_MAX << EVENTS_COUNT_SHIFT;

/** The binary types by their code in `_flags`. */
const BINARY_TYPE_NAMES: readonly BinaryType[] = ['nodebuffer', 'arraybuffer', 'fragments', 'blob'];
const BINARY_NODEBUFFER = 0 << BINARY_TYPE_SHIFT;
const BINARY_FRAGMENTS = 2 << BINARY_TYPE_SHIFT;

/** `ws`'s default of `maxPendingAutoPongs`. */
const DEFAULT_MAX_PENDING_AUTO_PONGS = 60;

/** The prototype of every WebSocket's `_events`: empty, and itself without a prototype. */
const EVENTS_PROTOTYPE: object = Object.create(null);

/**
 * A WebSocket's `_events`: like Node's (`{ __proto__: null }`: no
 * properties, none inherited) but with fast properties. V8 makes a
 * null-prototype literal a hash table (~190 bytes for the few listeners a
 * WebSocket has); `Object.create` of an empty object that has no prototype
 * itself inherits nothing either, and keeps four in-object slots (56 bytes)
 * from a cached map (a prototype change per object would be a runtime
 * call). Listeners are added and removed exactly as on Node's.
 */
function newEventsObject(): Record<string | symbol, unknown> {
  return Object.create(EVENTS_PROTOTYPE) as Record<string | symbol, unknown>;
}

/**
 * What a WebSocket needs only at times: sends with callbacks waiting for
 * their flush, Blob sends and what waits behind them, bytes sent after close,
 * events held back (`allowSynchronousEvents: false`). Made on first need
 * (`WebSocket#_side`) and kept.
 */
class SideState {
  /** Bytes counted here rather than by the core: sends after close, and sends queued behind a Blob. */
  bufferedBytes = 0;
  /** Flush targets of pending send callbacks, oldest first (see `native.send`). */
  flushTargets: number[] | null = null;
  /** The callbacks matching `flushTargets`. */
  flushCallbacks: WriteCallback[] | null = null;
  /** Events held back (flat triples `kind, a, b`) when `allowSynchronousEvents` is false. */
  deferred: unknown[] | null = null;
  /** Index of the first unprocessed triple in `deferred`. */
  deferredHead = 0;
  /** Whether a `setImmediate` will emit the next deferred event. */
  deferredScheduled = false;
  /** Sends waiting behind a Blob being read. */
  senderQueue: QueuedOperation[] | null = null;
  // Behind the accessors of `ws`'s names: the peer's close frame, and the
  // client-only state (`undefined` on the server side, where `ws` has no
  // such properties).
  closeCode = 1006;
  closeMessage: Buffer = EMPTY_BUFFER;
  url: string | undefined = undefined;
  req: ClientRequest | null | undefined = undefined;
  redirects: number | undefined = undefined;
  generateMask: ((mask: Buffer) => void) | undefined = undefined;
  /** Automatic pongs not yet written, when they are sent from JS (see `_pingArrived`). */
  pendingAutoPongs = 0;
}

/** A send waiting behind a `Blob` that is being read (`ws` Sender queue). */
interface QueuedOperation {
  kind: 'frame' | 'blob' | 'close';
  /** Frame payload, or the Blob. */
  data: string | Buffer | ArrayBuffer | ArrayBufferView | Blob | undefined;
  opcode: number;
  fin: boolean;
  mask: boolean;
  /** Close code (-1: none) for `'close'`. */
  code: number;
  cb: SendCallback | undefined;
  /** Bytes counted in `bufferedAmount` while queued. */
  byteLength: number;
}

/**
 * A WebSocket connection with the `ws` 8.23 API.
 *
 * Server-side instances are created by `WebSocketServer` with
 * `new WebSocket(null, undefined, options)`, as `ws`'s server does.
 */
export class WebSocket extends EventEmitter {
  /** The connection is not yet open. */
  declare static readonly CONNECTING: 0;
  /** The connection is open and ready to communicate. */
  declare static readonly OPEN: 1;
  /** The connection is in the process of closing. */
  declare static readonly CLOSING: 2;
  /** The connection is closed. */
  declare static readonly CLOSED: 3;
  /** The connection is not yet open. */
  declare readonly CONNECTING: 0;
  /** The connection is open and ready to communicate. */
  declare readonly OPEN: 1;
  /** The connection is in the process of closing. */
  declare readonly CLOSING: 2;
  /** The connection is closed. */
  declare readonly CLOSED: 3;

  /** `ws.onopen = f`: set the single attribute listener of `'open'`. */
  declare onopen: ((this: WebSocket, event: Event<WebSocket>) => void) | null;
  /** `ws.onerror = f`: set the single attribute listener of `'error'`. */
  declare onerror: ((this: WebSocket, event: ErrorEvent<WebSocket>) => void) | null;
  /** `ws.onclose = f`: set the single attribute listener of `'close'`. */
  declare onclose: ((this: WebSocket, event: CloseEvent<WebSocket>) => void) | null;
  /** `ws.onmessage = f`: set the single attribute listener of `'message'`. */
  declare onmessage: ((this: WebSocket, event: MessageEvent<WebSocket>) => void) | null;
  /** Register a WHATWG-style listener (`'open'`, `'message'`, `'close'`, `'error'`). */
  declare addEventListener: <K extends keyof WebSocketEventMap>(
    type: K,
    listener: WebSocketEventListener<K>,
    options?: EventListenerOptions
  ) => void;
  /** Remove a listener added with `addEventListener`. */
  declare removeEventListener: <K extends keyof WebSocketEventMap>(
    type: K,
    listener: WebSocketEventListener<K>
  ) => void;

  // The instance is kept small (see "Memory per connection" below the
  // class): its own properties are `_events` and the five declared first
  // here. Everything else is either a bit of `_flags`, a
  // prototype default that becomes an own property only when its value
  // differs, or part of `_x`, made on first need.

  /** The addon's connection id (0: none). */
  declare _connectionId: number;
  /** Bits `F_*`: the boolean state below, the binary type and the ready state. */
  declare _flags: number;
  /**
   * The connection's socket stand-in (addresses; `destroy()` terminates),
   * behind `_socket`. Null until something asks for it on a connection of
   * the own listener (see `standInOf`), and before a client connects.
   */
  declare _standIn: SocketStandIn | null;
  /** Told when the connection is gone (the server, to count connections and track clients). */
  declare _owner: ConnectionOwner | null;
  /** The state of sends with callbacks, Blobs, sends after close and held-back events; null until needed. */
  declare _x: SideState | null;

  // --- The state `ws` keeps, under the same names (some users read them). ---
  // Bits of `_flags` (prototype accessors):
  /** `CONNECTING`, `OPEN`, `CLOSING` or `CLOSED`. */
  declare _readyState: number;
  declare _binaryType: BinaryType;
  declare _closeFrameReceived: boolean;
  declare _closeFrameSent: boolean;
  declare _errorEmitted: boolean;
  declare _paused: boolean;
  declare _isServer: boolean;
  // In `_x` (prototype accessors):
  /** 1006 until a close frame arrives. */
  declare _closeCode: number;
  declare _closeMessage: Buffer;
  declare _url: string | undefined;
  // Prototype defaults:
  declare _extensions: Readonly<Record<string, unknown>>;
  declare _protocol: string;
  /** `ws` has a Receiver stream here; the core parses frames, so there is none. */
  declare _receiver: null;
  /** `ws` has a Sender here; frames are built by the core, so there is none. */
  declare _sender: null;
  declare _autoPong: boolean;
  declare _maxPendingAutoPongs: number;
  declare _closeTimeout: number;
  // --- Client only (`undefined` on the server side, as in `ws`; in `_x`). ---
  /** The handshake request while it is pending (`ws` `_req`). */
  declare _req: ClientRequest | null;
  /** Redirects followed so far. */
  declare _redirects: number;
  /** The user's `generateMask` (`undefined`: the core draws random keys). */
  declare _generateMask: ((mask: Buffer) => void) | undefined;

  // --- The transport (bits of `_flags` and a prototype default). ---
  /** The stream of a fed connection (TLS, any Duplex); `null` (default) when the core owns the fd. */
  declare _transport: FedTransport | null;
  /**
   * Whether the socket is open as `ws` would see it (`ws`:
   * `socket[kWebSocket] !== undefined`): cleared by `terminate`, by `onEnd`,
   * or, when the end waits behind a held-back close frame, once it is
   * emitted. The addon ignores ids it no longer knows, so a late call is
   * harmless.
   */
  declare _connected: boolean;
  /** `allowSynchronousEvents`: emit as the core reports, or one event per `setImmediate`. */
  declare _syncEvents: boolean;
  /** Whether the peer broke the protocol (`ws`: the receiver emitted an error). */
  declare _protocolErrored: boolean;
  /** Whether the next data frame starts a message (fragmented sends, `ws` Sender). */
  declare _firstFragment: boolean;
  /** Whether a Blob is being read, so later sends must wait (`ws` GET_BLOB_DATA). */
  declare _senderBusy: boolean;

  /**
   * @param address - `null` for a server-side WebSocket; a URL for a client
   * @param protocols - client subprotocols (unused on the server side)
   * @param options - the options (the server passes its own)
   */
  constructor(address: null, protocols?: undefined, options?: WebSocketOptions);
  constructor(address: string | URL, options?: ClientOptions | ClientRequestArgs);
  constructor(address: string | URL, protocols?: string | string[], options?: ClientOptions | ClientRequestArgs);
  constructor(
    address: string | URL | null,
    protocols?: string | string[] | ClientOptions | ClientRequestArgs,
    options?: WebSocketOptions | ClientOptions | ClientRequestArgs
  ) {
    super();

    // `EventEmitter.init` did not run (see `useLightEmitter`); when something
    // patched it, it did, and its `_events` stays, with `_eventsCount`
    // already in `_flags` (a patch may add listeners).
    const emitter = this as unknown as EmitterFields;
    if (emitter._events === undefined) emitter._events = newEventsObject();
    this._connectionId = 0;
    this._flags = F_SYNC_EVENTS | (this._flags & F_EVENTS_COUNT);
    this._standIn = null;
    this._owner = null;
    this._x = null;

    if (address !== null) {
      // A client: the handshake (`client-handshake.ts`) binds a connection
      // id after its 101, the same way the server does after its upgrade.
      // A client keeps its handshake state in `_x` from the start.
      this._x = new SideState();
      this._redirects = 0;
      this._req = null;
      const clientOpts = initAsClient(this, address, protocols, options);
      this._setSettings(!!clientOpts.autoPong, clientOpts.maxPendingAutoPongs! | 0, clientOpts.closeTimeout!);
      return;
    }

    this._flags |= F_SERVER;
    const opts = (options || {}) as WebSocketOptions;
    this._setSettings(
      !!opts.autoPong,
      opts.maxPendingAutoPongs! | 0,
      opts.closeTimeout === undefined ? CLOSE_TIMEOUT : opts.closeTimeout
    );
  }

  /** `_autoPong`, `_maxPendingAutoPongs`, `_closeTimeout`: own properties only where they are not the defaults. */
  _setSettings(autoPong: boolean, maxPendingAutoPongs: number, closeTimeout: number): void {
    if (autoPong !== true) this._autoPong = autoPong;
    if (maxPendingAutoPongs !== DEFAULT_MAX_PENDING_AUTO_PONGS) this._maxPendingAutoPongs = maxPendingAutoPongs;
    if (closeTimeout !== CLOSE_TIMEOUT) this._closeTimeout = closeTimeout;
  }

  /**
   * `ws`'s `_socket`: the connection's socket stand-in. On a connection of
   * the own listener it is made when first read here or as `req.socket`;
   * null before a client connects.
   */
  get _socket(): SocketStandIn | null {
    const socket = this._standIn;
    if (socket !== null || this._connectionId === 0) return socket;
    return (this._standIn = ownedStandIn(this));
  }

  set _socket(socket: SocketStandIn | null) {
    this._standIn = socket;
  }

  /** The side state, made on first need. */
  _side(): SideState {
    let x = this._x;
    if (x === null) x = this._x = new SideState();
    return x;
  }

  /**
   * The form of binary messages: `'nodebuffer'` (default), `'arraybuffer'`,
   * `'fragments'` or `'blob'`. Other values are ignored, as in `ws`.
   */
  get binaryType(): BinaryType {
    return BINARY_TYPE_NAMES[(this._flags & F_BINARY_TYPE) >> BINARY_TYPE_SHIFT];
  }

  set binaryType(type: BinaryType) {
    if (!BINARY_TYPES.includes(type)) return;

    const wasFragments = (this._flags & F_BINARY_TYPE) === BINARY_FRAGMENTS;
    this._binaryType = type;

    // The core assembles fragment arrays only when asked, so it must learn
    // of a change made after the connection was accepted.
    if (this._connected && wasFragments !== (type === 'fragments')) {
      native.setFragments(this._connectionId, type === 'fragments');
    }
  }

  /** Bytes queued for sending and not yet handed to the kernel. */
  get bufferedAmount(): number {
    const x = this._x;
    const counted = x === null ? 0 : x.bufferedBytes;
    if (!(this._flags & F_CONNECTED)) return counted;
    // A fed connection's bytes may also wait in its stream.
    const streamed = this._transport !== null ? this._transport.bufferedAmount() : 0;
    return native.bufferedAmount(this._connectionId) + counted + streamed;
  }

  /** The negotiated extensions (`''`: none; permessage-deflate is not negotiated yet). */
  get extensions(): string {
    return Object.keys(this._extensions).join();
  }

  /** Whether `pause()` is in effect. */
  get isPaused(): boolean {
    return this._paused;
  }

  /** The subprotocol chosen in the handshake (`''`: none). */
  get protocol(): string {
    return this._protocol;
  }

  /** `CONNECTING` (0), `OPEN` (1), `CLOSING` (2) or `CLOSED` (3). */
  get readyState(): 0 | 1 | 2 | 3 {
    return this._readyState as 0 | 1 | 2 | 3;
  }

  /** The URL a client connected to; `undefined` on the server side, as in `ws`. */
  get url(): string {
    return this._url as string;
  }

  /**
   * Start (or continue) the closing handshake, with `ws`'s rules: nothing
   * when closed; in `CLOSING`, end the TCP stream if both close frames were
   * exchanged; otherwise send a close frame (validated as `ws` does) and
   * move to `CLOSING`. The close timer is armed by the core.
   *
   * @param code - a valid close status code
   * @param data - the reason (string or Uint8Array, ≤ 123 bytes in UTF-8)
   * @throws TypeError for an invalid code or reason type, RangeError for a
   *   reason longer than 123 bytes
   */
  close(code?: number, data?: string | Buffer | Uint8Array): void {
    if (this._readyState === CLOSED) return;
    if (this._readyState === CONNECTING) {
      this._abortConnecting('WebSocket was closed before the connection was established');
      return;
    }

    if (this._readyState === CLOSING) {
      if (
        this._connected &&
        this._closeFrameSent &&
        (this._closeFrameReceived || this._protocolErrored)
      ) {
        // Both close frames are out (or the peer broke the protocol): the
        // core ends the TCP stream in this state.
        native.close(this._connectionId, -1, undefined);
      }
      return;
    }

    const reason = validateCloseArguments(code, data);
    const closeCode = code === undefined ? -1 : code;

    if (this._senderBusy) {
      this._enqueue({
        kind: 'close',
        data: reason,
        opcode: 0,
        fin: true,
        mask: false,
        code: closeCode,
        cb: undefined,
        byteLength: closeCode === -1 ? 0 : 2 + (reason === undefined ? 0 : Buffer.byteLength(reason))
      });
    } else {
      this._sendCloseFrame(closeCode, reason);
    }

    this._readyState = CLOSING;
  }

  /** Stop reading from the connection (no `'message'` events until `resume()`). */
  pause(): void {
    if (this._readyState === CONNECTING || this._readyState === CLOSED) return;

    this._paused = true;
    if (this._connected) {
      native.pause(this._connectionId);
      // The core has no fd to stop polling on a fed connection: its stream must stop.
      if (this._transport !== null) this._transport.pause();
    }
  }

  /** Resume reading after `pause()`. */
  resume(): void {
    if (this._readyState === CONNECTING || this._readyState === CLOSED) return;

    this._paused = false;
    if (this._connected) {
      native.resume(this._connectionId);
      if (this._transport !== null) this._transport.resume();
    }
  }

  /**
   * Send a ping.
   *
   * @param data - the payload (≤ 125 bytes)
   * @param mask - mask the frame (default: not on the server side)
   * @param cb - called once the frame is written, or with an error
   * @throws Error when still connecting; RangeError for a payload > 125 bytes
   */
  ping(data?: unknown, mask?: boolean, cb?: ControlCallback): void;
  ping(data: unknown, cb: ControlCallback): void;
  ping(cb: ControlCallback): void;
  ping(data?: unknown, mask?: boolean | ControlCallback, cb?: ControlCallback): void {
    this._control(OPCODE_PING, data, mask, cb);
  }

  /**
   * Send a pong.
   *
   * @param data - the payload (≤ 125 bytes)
   * @param mask - mask the frame (default: not on the server side)
   * @param cb - called once the frame is written, or with an error
   * @throws Error when still connecting; RangeError for a payload > 125 bytes
   */
  pong(data?: unknown, mask?: boolean, cb?: ControlCallback): void;
  pong(data: unknown, cb: ControlCallback): void;
  pong(cb: ControlCallback): void;
  pong(data?: unknown, mask?: boolean | ControlCallback, cb?: ControlCallback): void {
    this._control(OPCODE_PONG, data, mask, cb);
  }

  /**
   * Send a data message (or one fragment of it, with `fin: false`).
   *
   * @param data - string, Buffer, ArrayBuffer, typed array, DataView, Blob,
   *   or a number (sent as its string)
   * @param options - `binary`, `compress`, `fin`, `mask`
   * @param cb - called once the frame is written, or with an error
   * @throws Error when still connecting
   */
  send(data: SendData, cb?: SendCallback): void;
  send(data: SendData, options: SendOptions, cb?: SendCallback): void;
  send(data: unknown, options?: SendOptions | SendCallback, cb?: SendCallback): void {
    if (this._readyState === CONNECTING) {
      throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
    }

    if (typeof options === 'function') {
      cb = options;
      options = {};
    }

    if (typeof data === 'number') data = data.toString();

    if (this._readyState !== OPEN) {
      this._sendAfterClose(data, cb);
      return;
    }

    let binary: boolean;
    let fin: boolean;
    let mask: boolean;

    const isServer = (this._flags & F_SERVER) !== 0;
    if (options === undefined || options === null || typeof options !== 'object') {
      // The common case, without the option object `ws` builds (spreading a
      // non-object adds no property).
      binary = typeof data !== 'string';
      fin = true;
      mask = !isServer;
    } else {
      // What `ws`'s `{ binary, mask, compress, fin, ...options }` yields,
      // without building the object: an own property overrides the
      // default, even when it is undefined.
      binary = optionFlag(options.binary, options, 'binary', typeof data !== 'string');
      fin = optionFlag(options.fin, options, 'fin', true);
      mask = optionFlag(options.mask, options, 'mask', !isServer);
    }

    const isBlobData = isBlob(data);
    const payload = isBlobData ? (data as Blob) : toPayload(data || EMPTY_BUFFER);

    let opcode = binary ? OPCODE_BINARY : OPCODE_TEXT;
    const flags = this._flags;
    if (flags & F_MID_MESSAGE) {
      opcode = OPCODE_CONTINUATION;
      if (fin) this._flags = flags & ~F_MID_MESSAGE;
    } else if (!fin) {
      this._flags = flags | F_MID_MESSAGE;
    }

    if (isBlobData) {
      this._sendBlob(payload as Blob, opcode, fin, mask, cb);
    } else if (this._flags & F_SENDER_BUSY) {
      this._enqueueFrame(payload as FramePayload, opcode, fin, mask, cb);
    } else {
      this._sendFrame(payload as FramePayload, opcode, fin, mask, cb);
    }
  }

  /** Close the connection at once, without a closing handshake. */
  terminate(): void {
    if (this._readyState === CLOSED) return;
    if (this._readyState === CONNECTING) {
      this._abortConnecting('WebSocket was closed before the connection was established');
      return;
    }

    this._readyState = CLOSING;
    this._destroyConnection();
  }

  /**
   * Close the connection at once (what destroying `ws`'s socket does);
   * `readyState` changes only when the socket's `'close'` would come.
   * `ws._socket.destroy()` lands here too.
   */
  _destroyConnection(): void {
    if (!(this._flags & F_CONNECTED)) return;

    this._flags &= ~F_CONNECTED;
    native.destroy(this._connectionId);
    detachConnection(this._connectionId);
    if (this._standIn !== null) this._standIn._markGone();
    // Node fails the unsent writes of a destroyed socket on the next tick,
    // and the socket's `'close'` (→ the WebSocket's) comes from the handle's
    // close callback, after this loop iteration's immediates (measured:
    // after `setImmediate` callbacks queued before it, before timers). The
    // core sends no `onEnd` after `terminate`, so both moments are made here.
    process.nextTick(failWritesOfTerminated, this);
    setImmediate(connectionTerminated, this);
  }

  /**
   * Emit `'close'` (what `ws`'s `emitClose` does once the socket and the
   * receiver are done).
   */
  emitClose(): void {
    this._readyState = CLOSED;
    this.emit('close', this._closeCode, this._closeMessage);
  }

  // ---------------------------------------------------------------------
  // Transport binding (used by the server; the client will use the same).
  // ---------------------------------------------------------------------

  /**
   * Bind the connection before the addon accepts it, so callbacks find a
   * complete object. `readyState` stays `CONNECTING` until `_open()`.
   *
   * @param connectionId - the addon's id
   * @param socket - the connection's stand-in (becomes `_socket`); null
   *   for a connection of the own listener whose stand-in nobody asked for
   *   yet (`_socket` makes it then)
   * @param allowSynchronousEvents - `ws`'s option of that name
   * @param owner - told when the connection is gone
   * @param transport - the stream of a fed connection (`takeOverSocket`'s `fed`)
   */
  _bindConnection(
    connectionId: number,
    socket: SocketStandIn | null,
    allowSynchronousEvents: boolean,
    owner: ConnectionOwner | null,
    transport: FedTransport | null = null
  ): void {
    this._connectionId = connectionId;
    attachConnection(connectionId, this);
    if (transport !== null) this._transport = transport;
    this._flags = allowSynchronousEvents
      ? this._flags | F_CONNECTED | F_SYNC_EVENTS
      : (this._flags | F_CONNECTED) & ~F_SYNC_EVENTS;
    this._standIn = socket;
    this._owner = owner;
    if (socket !== null) socket._owner = this;
  }

  /** The addon accepted the connection: `OPEN`, `'open'` (as `ws`'s `setSocket`). */
  _open(): void {
    this._readyState = OPEN;
    this.emit('open');
  }

  /**
   * The addon refused a bound connection (it was gone before the upgrade
   * completed). The object is left `CONNECTING` and unbound.
   */
  _unbindConnection(): void {
    if (this._standIn !== null) {
      this._standIn._owner = null;
      this._standIn._markGone();
    }
    detachConnection(this._connectionId);
    this._connectionId = 0;
    if (this._transport !== null) this._transport = null;
    this._flags &= ~F_CONNECTED;
    this._owner = null;
  }

  /**
   * `ws`'s `abortHandshake` for a WebSocket that has no connection yet:
   * `CLOSING`, then `'error'` and `'close'` on the next tick.
   */
  _abortConnecting(message: string): void {
    this._readyState = CLOSING;
    // A client's pending handshake request goes too (`ws` `abortHandshake`).
    if (this._req) abortRequest(this._req);
    const err = new Error(message);
    Error.captureStackTrace(err, WebSocket.prototype._abortConnecting);
    process.nextTick(emitErrorAndClose, this, err);
  }

  // ---------------------------------------------------------------------
  // Events from the core.
  // ---------------------------------------------------------------------

  /** A message, converted to `binaryType`, to `'message'` listeners. */
  _emitMessage(data: Buffer | Buffer[], isBinary: boolean): void {
    // Arrays (fragments mode) come for binary messages only.
    if (isBinary) {
      const binaryType = this._flags & F_BINARY_TYPE;
      if (binaryType !== BINARY_NODEBUFFER || Array.isArray(data)) {
        this.emit('message', toBinaryType(data, BINARY_TYPE_NAMES[binaryType >> BINARY_TYPE_SHIFT]), true);
        return;
      }
    }

    // The per-message path: with one plain listener, call it as `emit`
    // would, without `emit`'s megamorphic lookup of the event name. Any
    // other case (several listeners, an overridden `emit`,
    // captureRejections) goes through `emit`.
    const listener = ((this as unknown as EmitterFields)._events as { message?: unknown } | undefined)?.message;
    if (
      typeof listener === 'function' &&
      this.emit === EMIT &&
      (kCapture === undefined || !(this as unknown as Record<symbol, unknown>)[kCapture])
    ) {
      listener.call(this, data, isBinary);
      return;
    }
    this.emit('message', data, isBinary);
  }

  /**
   * A ping. The core answers it (autoPong) unless a client's `generateMask`
   * must choose the pong's mask: then it is answered here, as `ws`'s
   * `receiverOnPing` does, with the same limit on unwritten pongs.
   */
  _pingArrived(data: Buffer): void {
    const x = this._x;
    if (x !== null && x.generateMask !== undefined && this._autoPong && this._readyState === OPEN) {
      const max = this._maxPendingAutoPongs;
      if (max > 0 && x.pendingAutoPongs >= max) {
        this.terminate();
      } else {
        x.pendingAutoPongs++;
        this.pong(data, true, () => x.pendingAutoPongs--);
      }
    }
    this.emit('ping', data);
  }

  /**
   * The peer's close frame (`ws` `receiverOnConclude`): the core answered it
   * already, unless events are held back (`allowSynchronousEvents: false`),
   * when JS answers here.
   */
  _closeFrameArrived(code: number, reason: Buffer): void {
    this._closeFrameReceived = true;
    this._closeCode = code;
    this._closeMessage = reason.length === 0 ? EMPTY_BUFFER : reason;

    // `ws` then calls `close()`, unless the socket is already closed.
    if (!this._connected) return;

    if (!(this._flags & F_SYNC_EVENTS)) {
      // Events reach JS one per setImmediate: the core left the answer to
      // us, so that what the handlers of earlier messages sent goes first
      // (ws's receiverOnConclude).
      if (code === 1005) this.close();
      else this.close(code, reason);
      return;
    }

    this._closeFrameSent = true;
    if (this._readyState === OPEN) this._readyState = CLOSING;
  }

  /** The peer broke the protocol (`ws` `receiverOnError`; the core already closed). */
  _protocolErrorArrived(err: ProtocolError): void {
    this._protocolErrored = true;

    if (this._connected && !(this._flags & F_SYNC_EVENTS)) {
      // Events reach JS one per setImmediate: the core left the close to us,
      // so that what the handlers of earlier messages sent goes first (ws's
      // receiverOnError: close(code), then 'error').
      this.close(err[kStatusCode]);
    } else if (this._connected) {
      // `ws` calls `close(err[kStatusCode])`: the core sent that close frame
      // unless one was out already.
      this._closeFrameSent = true;
      if (this._readyState === OPEN) this._readyState = CLOSING;
    }

    if (!this._errorEmitted) {
      this._errorEmitted = true;
      this.emit('error', err);
    }
  }

  /** The TCP connection is closed (`ws` `socketOnClose`): `CLOSING` now, `'close'` now. */
  _connectionEnded(): void {
    this._connectionGone();
    this._finishClose();
  }

  /** The socket is closed: `ws` moves to `CLOSING` at once (`'close'` may wait for held-back events). */
  _connectionGone(): void {
    this._flags &= ~F_CONNECTED;
    if (this._standIn !== null) this._standIn._markGone();
    if (this._readyState !== CLOSED) this._readyState = CLOSING;
  }

  /** The TCP connection is gone: fail unsent writes, `CLOSED`, `'close'`. */
  _finishClose(): void {
    if (this._readyState === CLOSED) return;

    try {
      this._failPendingWrites();
    } finally {
      try {
        this.emitClose();
      } finally {
        if (this._owner !== null) this._owner[kConnectionClosed](this);
      }
    }
  }

  /**
   * Queue an event behind held-back ones (`allowSynchronousEvents: false`).
   * Message, ping and pong events are always queued; the others only when
   * something is already waiting, so they keep their order.
   */
  _defer(kind: number, a: unknown, b: unknown): void {
    const x = this._side();
    let queue = x.deferred;
    if (queue === null) queue = x.deferred = [];
    queue.push(kind, a, b);

    if (!x.deferredScheduled) {
      x.deferredScheduled = true;
      setImmediate(emitDeferred, this);
    }
  }

  /** Whether events are waiting in the deferred queue. */
  _hasDeferred(): boolean {
    const x = this._x;
    return x !== null && x.deferred !== null && x.deferredHead < x.deferred.length;
  }

  // ---------------------------------------------------------------------
  // Sending.
  // ---------------------------------------------------------------------

  /** ping/pong: `ws`'s argument handling, size check, then the frame. */
  _control(
    opcode: number,
    data: unknown,
    mask: boolean | ControlCallback | undefined,
    callback: ControlCallback | undefined
  ): void {
    // Called like `send`'s callback (`null` on success).
    let cb = callback as SendCallback | undefined;

    if (this._readyState === CONNECTING) {
      throw new Error('WebSocket is not open: readyState 0 (CONNECTING)');
    }

    if (typeof data === 'function') {
      cb = data as SendCallback;
      data = mask = undefined;
    } else if (typeof mask === 'function') {
      cb = mask as SendCallback;
      mask = undefined;
    }

    if (typeof data === 'number') data = data.toString();

    if (this._readyState !== OPEN) {
      this._sendAfterClose(data, cb);
      return;
    }

    if (mask === undefined) mask = !(this._flags & F_SERVER);
    if (!data) data = EMPTY_BUFFER;

    if (isBlob(data)) {
      if (data.size > 125) {
        throw new RangeError('The data size must not be greater than 125 bytes');
      }
      this._sendBlob(data, opcode, true, !!mask, cb);
      return;
    }

    const payload = toPayload(data);

    if (payloadLength(payload) > 125) {
      throw new RangeError('The data size must not be greater than 125 bytes');
    }

    if (this._flags & F_SENDER_BUSY) {
      this._enqueueFrame(payload, opcode, true, !!mask, cb);
    } else {
      this._sendFrame(payload, opcode, true, !!mask, cb);
    }
  }

  /** One frame to the core; the callback follows the write (see `native.send`). */
  _sendFrame(payload: FramePayload, opcode: number, fin: boolean, mask: boolean, cb: SendCallback | undefined): void {
    // A fed connection's frame is written to its stream during the call:
    // the callback goes with that write (see FedTransport.writeCallback).
    const transport = this._transport;
    if (transport !== null && typeof cb === 'function') transport.writeCallback = cb;
    const target = this._flags & F_CONNECTED
      ? native.send(
          this._connectionId,
          payload,
          opcode | (fin ? SendFlag.Fin : 0) | (typeof cb === 'function' ? SendFlag.Callback : 0),
          // A client's `generateMask` picks each masked frame's key, as in `ws`.
          mask && this._x !== null && this._x.generateMask !== undefined ? generatedMaskKey(this._x.generateMask) : mask
        )
      : -1;

    if (typeof cb !== 'function') return;

    if (transport !== null) {
      if (transport.writeCallback === null) return; // taken by the stream write
      transport.writeCallback = null;
    }

    if (target === -1) {
      // The connection went away under us: what Node gives a write to a
      // destroyed socket.
      process.nextTick(cb, createStreamDestroyedError());
      return;
    }

    let x = this._x;
    let targets = x === null ? null : x.flushTargets;

    if (target === 0) {
      // Out already, unless earlier frames are still waiting: keep order.
      if (targets === null || targets.length === 0) {
        process.nextTick(cb, null);
        return;
      }
      targets.push(targets[targets.length - 1]);
      x!.flushCallbacks!.push(cb as WriteCallback);
      return;
    }

    if (targets === null) {
      x = this._side();
      targets = x.flushTargets = [];
      x.flushCallbacks = [];
    }
    if (targets.length === 0) native.setFlushEvents(this._connectionId, true);
    targets.push(target);
    x!.flushCallbacks!.push(cb as WriteCallback);
  }

  /** `onFlush`: call the callbacks of the frames that are out now. */
  _flushed(flushed: number): void {
    const x = this._x;
    if (x === null) return;
    const targets = x.flushTargets;
    const callbacks = x.flushCallbacks;
    if (targets === null || callbacks === null) return;

    try {
      while (targets.length !== 0 && targets[0] <= flushed) {
        targets.shift();
        callbacks.shift()!(null);
      }
    } finally {
      if (targets.length === 0) {
        if (this._flags & F_CONNECTED) native.setFlushEvents(this._connectionId, false);
      } else if (targets[0] <= flushed) {
        // A callback threw; the others still get called.
        process.nextTick(flushAgain, this, flushed);
      }
    }
  }

  /** The connection is gone: writes that never left fail like Node's do. */
  _failPendingWrites(): void {
    const x = this._x;
    if (x === null) return;
    const callbacks = x.flushCallbacks;
    if (callbacks === null || callbacks.length === 0) return;

    x.flushTargets = null;
    x.flushCallbacks = null;

    let i = 0;
    try {
      for (; i < callbacks.length; i++) callbacks[i](createStreamDestroyedError());
    } finally {
      if (i + 1 < callbacks.length) {
        process.nextTick(failCallbacks, callbacks.slice(i + 1));
      }
    }
  }

  /** `ws` `sendAfterClose`: count the bytes, fail the callback. */
  _sendAfterClose(data: unknown, cb: SendCallback | undefined): void {
    if (data) {
      this._side().bufferedBytes += isBlob(data) ? data.size : payloadLength(toPayload(data));
    }

    if (cb) process.nextTick(cb, createNotOpenError(this._readyState));
  }

  /** The close frame to the core (`code` -1: no payload). */
  _sendCloseFrame(code: number, reason: string | Buffer | undefined): void {
    if (!(this._flags & F_CONNECTED)) return;
    const x = this._x;
    native.close(
      this._connectionId,
      code,
      reason,
      x !== null && x.generateMask !== undefined ? generatedMaskKey(x.generateMask) : undefined
    );
    this._closeFrameSent = true;
  }

  /** Read a Blob, then send it as one frame; later sends wait (`ws` `getBlobData`). */
  _sendBlob(blob: Blob, opcode: number, fin: boolean, mask: boolean, cb: SendCallback | undefined): void {
    if (this._flags & F_SENDER_BUSY) {
      this._enqueue({ kind: 'blob', data: blob, opcode, fin, mask, code: 0, cb, byteLength: blob.size });
      return;
    }

    const byteLength = blob.size;
    this._side().bufferedBytes += byteLength;
    this._flags |= F_SENDER_BUSY;

    blob.arrayBuffer().then(
      (arrayBuffer) => {
        if (!(this._flags & F_CONNECTED)) {
          const err = new Error('The socket was closed while the blob was being read');
          process.nextTick(callQueuedCallbacks, this, err, cb);
          return;
        }

        this._x!.bufferedBytes -= byteLength;
        this._flags &= ~F_SENDER_BUSY;
        this._sendFrame(Buffer.from(arrayBuffer), opcode, fin, mask, cb);
        this._dequeue();
      },
      (err: Error) => {
        process.nextTick(blobReadFailed, this, err, cb);
      }
    );
  }

  _enqueueFrame(payload: FramePayload, opcode: number, fin: boolean, mask: boolean, cb: SendCallback | undefined): void {
    this._enqueue({ kind: 'frame', data: payload, opcode, fin, mask, code: 0, cb, byteLength: payloadLength(payload) });
  }

  _enqueue(operation: QueuedOperation): void {
    const x = this._side();
    if (x.senderQueue === null) x.senderQueue = [];
    x.bufferedBytes += operation.byteLength;
    x.senderQueue.push(operation);
  }

  /** Run queued operations until one is a Blob (which makes the sender busy again). */
  _dequeue(): void {
    const x = this._x;
    const queue = x === null ? null : x.senderQueue;
    if (queue === null) return;

    while (!(this._flags & F_SENDER_BUSY) && queue.length !== 0) {
      const op = queue.shift()!;
      x!.bufferedBytes -= op.byteLength;

      if (op.kind === 'frame') {
        this._sendFrame(op.data as FramePayload, op.opcode, op.fin, op.mask, op.cb);
      } else if (op.kind === 'blob') {
        this._sendBlob(op.data as Blob, op.opcode, op.fin, op.mask, op.cb);
      } else {
        this._sendCloseFrame(op.code, op.data as string | Buffer | undefined);
      }
    }
  }
}

/** What the core's `send` takes. */
type FramePayload = string | Uint8Array | ArrayBuffer;

for (const [name, value] of [
  ['CONNECTING', CONNECTING],
  ['OPEN', OPEN],
  ['CLOSING', CLOSING],
  ['CLOSED', CLOSED]
] as const) {
  Object.defineProperty(WebSocket, name, { enumerable: true, value });
  Object.defineProperty(WebSocket.prototype, name, { enumerable: true, value });
}

// `ws` makes these accessors enumerable (class accessors are not).
for (const property of [
  'binaryType',
  'bufferedAmount',
  'extensions',
  'isPaused',
  'protocol',
  'readyState',
  'url',
  // An own property in `ws`.
  '_socket'
]) {
  Object.defineProperty(WebSocket.prototype, property, { enumerable: true });
}

// ---------------------------------------------------------------------------
// Memory per connection. A server keeps one WebSocket per open connection,
// so its size is the library's idle cost: own properties are only
// `_events`, `_connectionId`, `_flags`, `_standIn`, `_owner` and `_x` (72
// bytes), and the socket stand-in (72 bytes) only if
// something asked for it. `EventEmitter.init` does not run
// (see `useLightEmitter`). The names `ws` keeps on its instances stay
// readable (and writable) through the accessors and defaults below; an own
// property appears only where a value differs from the default.
// ---------------------------------------------------------------------------

useLightEmitter(WebSocket);

/** An accessor pair over one bit of `_flags` (`inverted`: the property is true when the bit is clear). */
function defineFlag(name: string, bit: number, inverted: boolean): void {
  Object.defineProperty(WebSocket.prototype, name, {
    configurable: true,
    enumerable: false,
    get(this: WebSocket): boolean {
      return ((this._flags & bit) !== 0) !== inverted;
    },
    set(this: WebSocket, value: boolean) {
      this._flags = !!value !== inverted ? this._flags | bit : this._flags & ~bit;
    }
  });
}

defineFlag('_isServer', F_SERVER, false);
defineFlag('_connected', F_CONNECTED, false);
defineFlag('_syncEvents', F_SYNC_EVENTS, false);
defineFlag('_paused', F_PAUSED, false);
defineFlag('_closeFrameReceived', F_CLOSE_FRAME_RECEIVED, false);
defineFlag('_closeFrameSent', F_CLOSE_FRAME_SENT, false);
defineFlag('_errorEmitted', F_ERROR_EMITTED, false);
defineFlag('_protocolErrored', F_PROTOCOL_ERRORED, false);
defineFlag('_firstFragment', F_MID_MESSAGE, true);
defineFlag('_senderBusy', F_SENDER_BUSY, false);

Object.defineProperty(WebSocket.prototype, '_readyState', {
  configurable: true,
  enumerable: false,
  get(this: WebSocket): number {
    return (this._flags & F_READY_STATE) >> READY_STATE_SHIFT;
  },
  set(this: WebSocket, state: number) {
    this._flags = (this._flags & ~F_READY_STATE) | ((state & 3) << READY_STATE_SHIFT);
  }
});

// `_eventsCount`, which Node's emitter methods keep (how many event names
// have listeners), is 16 bits of `_flags` instead of an own field: 8 bytes
// less per WebSocket. A value that does not fit (65,536 event names) makes
// it an own property, as it is on any emitter.
Object.defineProperty(WebSocket.prototype, '_eventsCount', {
  configurable: true,
  enumerable: false,
  get(this: WebSocket): number {
    return (this._flags & F_EVENTS_COUNT) >>> EVENTS_COUNT_SHIFT;
  },
  set(this: WebSocket, count: number) {
    if (Number.isInteger(count) && count >= 0 && count <= EVENTS_COUNT_MAX) {
      this._flags = (this._flags & ~F_EVENTS_COUNT) | (count << EVENTS_COUNT_SHIFT);
    } else {
      Object.defineProperty(this, '_eventsCount', { value: count, writable: true, enumerable: true, configurable: true });
    }
  }
});

Object.defineProperty(WebSocket.prototype, '_binaryType', {
  configurable: true,
  enumerable: false,
  get(this: WebSocket): BinaryType {
    return BINARY_TYPE_NAMES[(this._flags & F_BINARY_TYPE) >> BINARY_TYPE_SHIFT];
  },
  set(this: WebSocket, type: BinaryType) {
    const code = BINARY_TYPE_NAMES.indexOf(type);
    if (code !== -1) this._flags = (this._flags & ~F_BINARY_TYPE) | (code << BINARY_TYPE_SHIFT);
  }
});

/** An accessor pair over a field of `_x` (made on the first write). */
function defineSideField<K extends keyof SideState>(name: string, field: K): void {
  const fallback = new SideState()[field];
  Object.defineProperty(WebSocket.prototype, name, {
    configurable: true,
    enumerable: false,
    get(this: WebSocket): SideState[K] {
      const x = this._x;
      return x === null ? fallback : x[field];
    },
    set(this: WebSocket, value: SideState[K]) {
      this._side()[field] = value;
    }
  });
}

defineSideField('_closeCode', 'closeCode');
defineSideField('_closeMessage', 'closeMessage');
defineSideField('_url', 'url');
defineSideField('_req', 'req');
defineSideField('_redirects', 'redirects');
defineSideField('_generateMask', 'generateMask');

for (const [name, value] of [
  ['_extensions', NO_EXTENSIONS],
  ['_protocol', ''],
  ['_receiver', null],
  ['_sender', null],
  ['_autoPong', true],
  ['_maxPendingAutoPongs', DEFAULT_MAX_PENDING_AUTO_PONGS],
  ['_closeTimeout', CLOSE_TIMEOUT],
  ['_transport', null]
] as const) {
  Object.defineProperty(WebSocket.prototype, name, { configurable: true, enumerable: false, writable: true, value });
}

defineEventHandlerProperties(WebSocket.prototype);
// The mixin's own signatures are target-agnostic; the class declares them
// with the WebSocket as the events' target.
WebSocket.prototype.addEventListener = EventTarget.addEventListener as WebSocket['addEventListener'];
WebSocket.prototype.removeEventListener = EventTarget.removeEventListener as WebSocket['removeEventListener'];

/* eslint-disable @typescript-eslint/no-explicit-any */
/** Typed overloads of the `EventEmitter` methods for the events a WebSocket emits. */
export interface WebSocket {
  on<K extends keyof WebSocketEvents>(event: K, listener: WebSocketEvents[K]): this;
  on(event: string | symbol, listener: (this: WebSocket, ...args: any[]) => void): this;
  once<K extends keyof WebSocketEvents>(event: K, listener: WebSocketEvents[K]): this;
  once(event: string | symbol, listener: (this: WebSocket, ...args: any[]) => void): this;
  off<K extends keyof WebSocketEvents>(event: K, listener: WebSocketEvents[K]): this;
  off(event: string | symbol, listener: (this: WebSocket, ...args: any[]) => void): this;
  addListener<K extends keyof WebSocketEvents>(event: K, listener: WebSocketEvents[K]): this;
  addListener(event: string | symbol, listener: (...args: any[]) => void): this;
  removeListener<K extends keyof WebSocketEvents>(event: K, listener: WebSocketEvents[K]): this;
  removeListener(event: string | symbol, listener: (...args: any[]) => void): this;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

// ---------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------

/**
 * `ws`'s close-argument checks (`Sender#close`), in its order; returns the
 * reason to send (`undefined`: code only, or no payload at all).
 */
function validateCloseArguments(code: unknown, data: unknown): string | Buffer | undefined {
  if (code === undefined) return undefined;

  if (typeof code !== 'number' || !isValidStatusCode(code)) {
    throw new TypeError('First argument must be a valid error code number');
  }

  // `ws` reads `.length` unguarded: `null` throws Node's TypeError too.
  if (data === undefined || !(data as { length?: number }).length) return undefined;

  const length = Buffer.byteLength(data as string);
  if (length > 123) {
    throw new RangeError('The message must not be greater than 123 bytes');
  }

  if (typeof data === 'string') return data;
  if (utilTypes.isUint8Array(data)) {
    return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }
  throw new TypeError('Second argument must be a string or a Uint8Array');
}

/** `ws` `toBuffer`, without copying what the core can read directly. */
function toPayload(data: unknown): FramePayload {
  if (typeof data === 'string' || data instanceof Uint8Array || data instanceof ArrayBuffer) return data;
  if (ArrayBuffer.isView(data)) {
    // Other views go over as their bytes (the core reads Uint8Arrays).
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }
  // Arrays, SharedArrayBuffers, objects with valueOf/toPrimitive; throws
  // Node's TypeError for the rest, as `ws` does.
  return Buffer.from(data as never);
}

/** One boolean send option as `ws`'s object spread over defaults gives it. */
function optionFlag(value: unknown, options: SendOptions, name: string, fallback: boolean): boolean {
  // The value is read by the caller with a named property access: a keyed
  // one here would be megamorphic, and this is the per-message path.
  if (value !== undefined) return !!value;
  return Object.prototype.hasOwnProperty.call(options, name) ? false : fallback;
}

/** Byte length of a payload (strings in UTF-8). */
function payloadLength(payload: FramePayload): number {
  if (typeof payload === 'string') return Buffer.byteLength(payload);
  return payload.byteLength;
}

/** The buffer `generateMask` fills (the core copies the key at once, so one is enough). */
const maskKey: Buffer = Buffer.alloc(4);

/** The 4-byte key a user's `generateMask` chose for the next frame. */
function generatedMaskKey(generateMask: (mask: Buffer) => void): Buffer {
  generateMask(maskKey);
  return maskKey;
}

/** `ws` `concat`: one Buffer from fragments. */
function concatBuffers(list: Buffer[]): Buffer {
  if (list.length === 0) return EMPTY_BUFFER;
  if (list.length === 1) return list[0];
  return Buffer.concat(list);
}

/** `ws` `toArrayBuffer`: the Buffer's memory if it spans it all, else a copy. */
function toArrayBuffer(buf: Buffer): ArrayBuffer {
  if (buf.length === buf.buffer.byteLength) return buf.buffer as ArrayBuffer;
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) as ArrayBuffer;
}

/** A binary message in the form `binaryType` asks for. */
function toBinaryType(data: Buffer | Buffer[], type: BinaryType): Buffer | ArrayBuffer | Buffer[] | Blob {
  switch (type) {
    case 'nodebuffer':
      return Array.isArray(data) ? concatBuffers(data) : data;
    case 'arraybuffer':
      return toArrayBuffer(Array.isArray(data) ? concatBuffers(data) : data);
    case 'fragments':
      // `ws` never lists an empty frame as a fragment.
      return Array.isArray(data) ? data : data.length === 0 ? [] : [data];
    case 'blob':
      return new Blob(Array.isArray(data) ? data : [data]);
  }
}

function emitErrorAndClose(ws: WebSocket, err: Error): void {
  ws._readyState = CLOSING;
  ws._errorEmitted = true;
  ws.emit('error', err);
  ws.emitClose();
}

/** After `terminate()`: Node errors the writes a destroyed socket never sent. */
function failWritesOfTerminated(ws: WebSocket): void {
  ws._failPendingWrites();
}

/** After `terminate()`: the moment `ws` sees the destroyed socket's `'close'`. */
function connectionTerminated(ws: WebSocket): void {
  if (ws._hasDeferred()) {
    ws._connectionGone();
    ws._defer(EVENT_END, undefined, undefined);
  } else {
    ws._connectionEnded();
  }
}

function flushAgain(ws: WebSocket, flushed: number): void {
  ws._flushed(flushed);
}

function failCallbacks(callbacks: WriteCallback[]): void {
  for (let i = 0; i < callbacks.length; i++) {
    try {
      callbacks[i](createStreamDestroyedError());
    } catch (err) {
      if (i + 1 < callbacks.length) process.nextTick(failCallbacks, callbacks.slice(i + 1));
      throw err;
    }
  }
}

/** `ws` `callCallbacks`: the callback and every queued one get `err`. */
function callQueuedCallbacks(ws: WebSocket, err: Error, cb: SendCallback | undefined): void {
  if (typeof cb === 'function') cb(err);

  const queue = ws._x === null ? null : ws._x.senderQueue;
  if (queue === null) return;
  for (let i = 0; i < queue.length; i++) {
    const callback = queue[i].cb;
    if (typeof callback === 'function') callback(err);
  }
}

/** A Blob could not be read (`ws` Sender `onError` → `senderOnError`). */
function blobReadFailed(ws: WebSocket, err: Error, cb: SendCallback | undefined): void {
  callQueuedCallbacks(ws, err, cb);

  if (ws._readyState === CLOSED) return;
  if (ws._readyState === OPEN) ws._readyState = CLOSING;

  // `ws` ends the socket without a close frame (`socket.end()`): FIN after
  // the queued bytes, close timer armed, `onEnd` when closed.
  if (ws._connected) native.end(ws._connectionId);

  if (!ws._errorEmitted) {
    ws._errorEmitted = true;
    ws.emit('error', err);
  }
}

/**
 * Emit one held-back event, then whatever waited behind it and is not itself
 * deferred; schedule the next one. `_deferredScheduled` stays set while this
 * runs, so events queued meanwhile do not schedule a second runner.
 */
function emitDeferred(ws: WebSocket): void {
  const x = ws._x!;
  const queue = x.deferred!;

  try {
    if (x.deferredHead < queue.length) runDeferredEntry(ws, x, queue);
    while (x.deferredHead < queue.length && (queue[x.deferredHead] as number) > EVENT_PONG) {
      runDeferredEntry(ws, x, queue);
    }
  } finally {
    if (x.deferredHead < queue.length) {
      setImmediate(emitDeferred, ws);
    } else {
      x.deferredScheduled = false;
      queue.length = 0;
      x.deferredHead = 0;
    }
  }
}

function runDeferredEntry(ws: WebSocket, x: SideState, queue: unknown[]): void {
  const head = x.deferredHead;
  const kind = queue[head] as number;
  const a = queue[head + 1];
  const b = queue[head + 2];
  queue[head + 1] = queue[head + 2] = undefined;
  x.deferredHead = head + 3;

  switch (kind) {
    case EVENT_MESSAGE:
      ws._emitMessage(a as Buffer | Buffer[], b as boolean);
      break;
    case EVENT_PING:
      ws._pingArrived(a as Buffer);
      break;
    case EVENT_PONG:
      ws.emit('pong', a);
      break;
    case EVENT_CLOSE_FRAME:
      ws._closeFrameArrived(a as number, b as Buffer);
      break;
    case EVENT_PROTOCOL_ERROR:
      ws._protocolErrorArrived(a as ProtocolError);
      break;
    case EVENT_END:
      ws._connectionEnded();
      break;
  }
}

// ---------------------------------------------------------------------------
// The addon's callbacks. They name a WebSocket by its connection id: the
// table below maps ids to WebSockets, so the addon keeps no per-connection
// JS reference (that saves about 100 bytes per connection).
// ---------------------------------------------------------------------------

/** `EventEmitter#emit`, to tell when a subclass overrides it. */
const EMIT = EventEmitter.prototype.emit;

/** How many slots connection ids address (the low 24 bits; see lib/native.ts). */
const CONNECTION_SLOTS = 16777216;

/** Open WebSockets by connection slot; set by `_bindConnection`. */
const connectionTable: (WebSocket | undefined)[] = [];

/** The stand-in of `ws`'s connection, made when `_socket` is first read (see `standInOf`). */
function ownedStandIn(ws: WebSocket): SocketStandIn {
  const socket = standInOf(ws._connectionId, (ws._flags & F_CONNECTED) !== 0);
  socket._owner = ws;
  return socket;
}

/**
 * Records `ws` as the WebSocket of connection `id`, unless the slot is
 * another open connection's: then `id` outlived its connection (the addon
 * closed it before JS accepted it), the accept that follows fails, and the
 * other connection must keep its slot.
 */
function attachConnection(id: number, ws: WebSocket): void {
  const slot = id % CONNECTION_SLOTS;
  const current = connectionTable[slot];
  if (current === undefined || current._connectionId === id) connectionTable[slot] = ws;
}

/** Forgets connection `id` (it ended, or JS closed it without an `onEnd`). */
function detachConnection(id: number): void {
  const slot = id % CONNECTION_SLOTS;
  if (connectionTable[slot] !== undefined && connectionTable[slot]!._connectionId === id) {
    connectionTable[slot] = undefined;
  }
}

// The parameter types come from the contract (`NativeCallbacks.onUpgrade`).
const onUpgrade: NativeCallbacks['onUpgrade'] = (owner, id, method, url, httpVersion, rawHeaders,
  rawHeaderCount, status, message, sendVersionHeader, accept, protocols, version) => {
  const request: UpgradeRequest = { method, url, httpVersion, rawHeaders, rawHeaderCount };
  const check: HandshakeCheck = { status, message, sendVersionHeader, accept, protocols, version };
  (owner as UpgradeHandler)[kHandleUpgrade](id, request, check);
};

function onMessage(slot: number, data: Buffer | Buffer[], isBinary: boolean): void {
  deliverMessage(connectionTable[slot]!, data, isBinary);
}

function deliverMessage(websocket: WebSocket, data: Buffer | Buffer[], isBinary: boolean): void {
  if (websocket._flags & F_SYNC_EVENTS) websocket._emitMessage(data, isBinary);
  else websocket._defer(EVENT_MESSAGE, data, isBinary);
}

/** The descriptor array of pooled messages (set by `native.init`). */
let pooledEntries: Uint32Array;
/** The last slab seen, already marked untransferable. */
let markedSlab: ArrayBuffer | null = null;

/** Small messages of one read (see `NativeCallbacks.onPooledMessages`). */
function onPooledMessages(slot: number, slab: ArrayBuffer, begin: number, end: number): void {
  if (slab !== markedSlab) {
    // As Node's own Buffer pool: a message's `buffer` cannot be transferred
    // away (postMessage copies it instead), which would take the other
    // messages of the slab with it.
    markAsUntransferable(slab);
    markedSlab = slab;
  }
  const entries = pooledEntries;
  const websocket = connectionTable[slot]!;
  for (let i = begin; i < end; i++) {
    // A handler ended the connection: the core ignores its input from then on.
    if (connectionTable[slot] !== websocket) {
      entries[0] = end;
      return;
    }
    entries[0] = i + 1;
    const meta = entries[2 + 2 * i];
    deliverMessage(websocket, Buffer.from(slab, entries[1 + 2 * i], meta >>> 1), (meta & 1) === 1);
  }
}

function onPing(slot: number, data: Buffer | undefined): void {
  if (data === undefined) data = EMPTY_BUFFER;
  const websocket = connectionTable[slot]!;
  if (websocket._flags & F_SYNC_EVENTS) websocket._pingArrived(data);
  else websocket._defer(EVENT_PING, data, undefined);
}

function onPong(slot: number, data: Buffer | undefined): void {
  if (data === undefined) data = EMPTY_BUFFER;
  const websocket = connectionTable[slot]!;
  if (websocket._flags & F_SYNC_EVENTS) websocket.emit('pong', data);
  else websocket._defer(EVENT_PONG, data, undefined);
}

function onCloseFrame(slot: number, code: number, reason: Buffer | undefined): void {
  if (reason === undefined) reason = EMPTY_BUFFER;
  const websocket = connectionTable[slot]!;
  if (websocket._hasDeferred()) websocket._defer(EVENT_CLOSE_FRAME, code, reason);
  else websocket._closeFrameArrived(code, reason);
}

function onProtocolError(
  slot: number,
  code: string,
  message: string,
  closeCode: number,
  isRangeError: boolean
): void {
  const websocket = connectionTable[slot]!;
  const err = createProtocolError(code, message, closeCode, isRangeError);
  if (websocket._hasDeferred()) websocket._defer(EVENT_PROTOCOL_ERROR, err, undefined);
  else websocket._protocolErrorArrived(err);
}

function onFlush(slot: number, flushed: number): void {
  connectionTable[slot]!._flushed(flushed);
}

function onEnd(slot: number): void {
  const websocket = connectionTable[slot]!;
  connectionTable[slot] = undefined;

  if (!websocket._hasDeferred()) {
    websocket._connectionEnded();
    return;
  }

  // Held-back events first. `ws` marks the socket closed (CLOSING) at once,
  // even while they are still being emitted. (The core never ended the
  // connection early here: with events held back, JS answers the peer's
  // close frame and protocol errors itself.)
  websocket._connectionGone();
  websocket._defer(EVENT_END, undefined, undefined);
}

// process.exit() from a message handler (or a tick right after it) must not
// lose what the handler sent: ws writes it to the socket at once.
process.on('exit', native.flushWrites);

pooledEntries = native.init({
  onUpgrade,
  onMessage,
  onPooledMessages,
  onPing,
  onPong,
  onCloseFrame,
  onProtocolError,
  onFlush,
  onEnd,
  onTransportWrite,
  onTransportEnd,
  onTransportDestroy
});
