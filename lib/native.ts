/**
 * The contract between the TypeScript layer and the native addon
 * (`build/Release/uws.node`, sources in `native/addon`).
 *
 * Connections are named by numeric ids that encode a slot and a generation, so
 * an id that outlived its connection is recognised by the addon and ignored
 * (operations on it return `false` or `0`). After `onEnd` for a connection, or
 * after JS called `destroy` on it, the addon never mentions that id
 * again.
 */
import * as path from 'node:path';

/** What the own listener tells JS about a complete upgrade request. */
export interface UpgradeRequest {
  method: string;
  url: string;
  /** "1.1" or "1.0", as `IncomingMessage#httpVersion`. */
  httpVersion: string;
  /**
   * Alternating names (as sent) and values, as `IncomingMessage#rawHeaders`,
   * joined by NUL (neither can contain it; '' without headers).
   */
  rawHeaders: string;
  /** How many names and values `rawHeaders` holds. */
  rawHeaderCount: number;
}

/**
 * Both ends of a connection (`peerInfo`): what `net.Socket` shows as
 * `remoteAddress` and the rest. Node leaves them undefined on a socket
 * closed before they were first read, and so does the socket stand-in.
 */
export interface ConnectionAddresses {
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  remoteFamily: string | undefined;
  localAddress: string | undefined;
  localPort: number | undefined;
}

/** The upgrade-request checks done by `native/core/handshake` (ws order). */
export interface HandshakeCheck {
  /** 0 when method, Upgrade, Sec-WebSocket-Key and Sec-WebSocket-Version are valid. */
  status: number;
  /** ws's message for the failed check, e.g. "Invalid Upgrade header". */
  message: string;
  /** ws adds `Sec-WebSocket-Version: 13, 8` to this rejection. */
  sendVersionHeader: boolean;
  /** `Sec-WebSocket-Accept` for the request's key; '' when the key is invalid. */
  accept: string;
  /**
   * Parsed `Sec-WebSocket-Protocol`: null when the header is absent, false
   * when its syntax is invalid (ws rejects with 400), else the protocols in order.
   */
  protocols: string[] | null | false;
  /** The request's `Sec-WebSocket-Version` as a number (NaN when absent). */
  version: number;
}

/** Per-connection settings given when JS accepts an upgrade. */
export interface AcceptOptions {
  maxPayload: number;
  maxFragments: number;
  skipUTF8Validation: boolean;
  autoPong: boolean;
  maxPendingAutoPongs: number;
  closeTimeout: number;
  /** Deliver fragmented binary messages as arrays of frame payloads. */
  fragments: boolean;
  /** Client side: mask every frame sent (close, auto-pong too), require unmasked frames. */
  client?: boolean;
  /**
   * The peer's close frame is answered by JS (`allowSynchronousEvents:
   * false`: JS emits events later, and what their handlers send goes
   * before the answer, as in ws), not by the core at once.
   */
  answerCloseInJs?: boolean;
}

/** Options of `listen`. `host` is an IP literal (JS resolves names first). */
export interface ListenOptions {
  host: string;
  port: number;
  backlog: number;
  /** Milliseconds a connection may take to send its whole upgrade request. */
  handshakeTimeout: number;
}

/** The bound address, as `net.Server#address()` reports it. */
export interface BoundAddress {
  address: string;
  family: string;
  port: number;
}

/**
 * Functions the addon calls. Each is called with `this` undefined, inside a
 * callback scope (ticks and microtasks run after the whole batch of events of
 * one read). The addon keeps no reference to JS objects per connection: JS
 * maps connections to its WebSockets by slot. `onUpgrade` gives the whole
 * connection id (what JS passes to the functions of `NativeAddon`); the
 * other callbacks give only its slot (`slot`: the low 24 bits of the id,
 * unique among the connections open at one time; the index of the JS
 * table). Ids and slots are both below 2^31, small integers to V8
 * (`native/net/slot_table.h`).
 */
export interface NativeCallbacks {
  /**
   * A complete upgrade request reached a listener; `owner` is the object
   * given to `listen`. Positional (no property lookups per connection): the
   * fields of `UpgradeRequest` then of `HandshakeCheck`, in their declared
   * order (see `requestArguments` and `checkArguments` in native/addon/handshake_objects.h).
   */
  onUpgrade(
    owner: object,
    id: number,
    method: string,
    url: string,
    httpVersion: string,
    rawHeaders: string,
    rawHeaderCount: number,
    status: number,
    message: string,
    sendVersionHeader: boolean,
    accept: string,
    protocols: string[] | null | false,
    version: number
  ): void;
  /** A complete message. `data` is an array of Buffers only in `fragments` mode for binary messages. */
  onMessage(slot: number, data: Buffer | Buffer[], isBinary: boolean): void;
  /**
   * Small messages of one read, copied into `slab` (a pool ArrayBuffer
   * shared by many messages, as Node's Buffer pool is) and described by
   * entries `begin` to `end` (exclusive) of the array `init` returned:
   * entry i is at [1 + 2i] (offset in the slab) and [2 + 2i] (length * 2,
   * plus 1 if binary). Before delivering entry i, JS stores i + 1 at [0]; on
   * return, [0] < end means a handler threw and the addon calls again for
   * the rest. When a handler ends the connection, JS stores `end` and stops.
   */
  onPooledMessages(slot: number, slab: ArrayBuffer, begin: number, end: number): void;
  /**
   * A ping (the automatic pong, if enabled, has already been queued).
   * `data` is undefined when the ping carries nothing (JS uses its shared
   * empty Buffer, as ws does); so for pongs and close reasons.
   */
  onPing(slot: number, data: Buffer | undefined): void;
  /** A pong; `data` as for `onPing`. */
  onPong(slot: number, data: Buffer | undefined): void;
  /**
   * The peer's close frame (code 1005 when it had no payload). The addon has
   * already answered it as ws does (echoed the code and reason if no close
   * frame was sent yet, then ends the TCP stream once the answer is written).
   */
  onCloseFrame(slot: number, code: number, reason: Buffer | undefined): void;
  /**
   * The peer broke the protocol. The addon has already sent a close frame
   * with `closeCode` (unless one was sent before) and ends the TCP stream; input
   * is ignored from now on.
   */
  onProtocolError(slot: number, code: string, message: string, closeCode: number, isRangeError: boolean): void;
  /** Bytes of the write queue left the process; `flushed` counts them since the connection began (see `send`). Only while `setFlushEvents(id, true)`. */
  onFlush(slot: number, flushed: number): void;
  /** The TCP connection is closed (peer gone, close handshake done, close timeout, I/O error). Final. */
  onEnd(slot: number): void;
  /**
   * Bytes for a fed connection (`createFed`): write them to its stream.
   * `transport` is the object given to `createFed`; `data` is a new Buffer
   * the callee may keep.
   */
  onTransportWrite(transport: object, data: Buffer): void;
  /** A fed connection's FIN: end its stream once written (`stream.end()`). */
  onTransportEnd(transport: object): void;
  /**
   * The core closed a fed connection (`stream.destroy()`). Not called when
   * JS reported the close itself (`feedClosed`).
   */
  onTransportDestroy(transport: object): void;
}

/** The addon's exports. */
export interface NativeAddon {
  /**
   * Registers the callbacks; once per environment (main thread or Worker).
   * Returns the descriptor array of `onPooledMessages`.
   */
  init(callbacks: NativeCallbacks): Uint32Array;
  /**
   * Writes what the core holds back to send in one go (corked during a
   * dispatch, or parked until the end of a poller wakeup): the process is
   * exiting, and ws would have written it already.
   */
  flushWrites(): void;
  /**
   * Whether socket system calls are made in io_uring batches (false where
   * the kernel refuses io_uring, or with `UWS_IO_URING=0`): for tests.
   */
  batchesSyscalls(): boolean;

  /** Listens on host:port; throws a Node-style system error (code, errno, syscall, address, port). Returns a listener id. */
  listen(owner: object, options: ListenOptions): number;
  /** The listener's bound address. */
  listenerAddress(listener: number): BoundAddress;
  /** Stops accepting and drops connections that have not finished their upgrade request. */
  closeListener(listener: number): void;

  /**
   * Takes over a socket Node opened: duplicates `fd` (F_DUPFD_CLOEXEC), so
   * Node may destroy its own socket right after. `leftover` are the bytes
   * Node read behind the HTTP head; they are parsed after `accept`. The fd
   * is not polled before `accept` (the kernel keeps what arrives). Returns a
   * connection id awaiting `accept`; throws (code ERR_UWS_ADOPT) for a bad fd.
   * `owner` is the async resource the connection's callbacks run under.
   */
  adopt(owner: object, fd: number, leftover: Buffer): number;
  /**
   * A connection whose bytes a JS stream carries (TLS, any Duplex): JS feeds
   * what it reads with `feed`/`feedEnd`/`feedClosed`, the core writes through
   * `onTransportWrite`/`onTransportEnd`/`onTransportDestroy` with
   * `transport`. `leftover` as for `adopt`. Returns a connection id awaiting
   * `accept`.
   */
  createFed(owner: object, transport: object, leftover: Buffer): number;
  /** Bytes read from a fed connection's stream (kept until `accept`, then parsed). */
  feed(id: number, data: Buffer): void;
  /** The fed connection's stream ended (the peer's FIN). */
  feedEnd(id: number): void;
  /** The fed connection's stream closed: the connection is gone (`onEnd` follows for a WebSocket). */
  feedClosed(id: number): void;

  /** Validates an upgrade request that came through Node's http parser (same checks as the own listener). */
  checkUpgrade(method: string, upgrade: string | undefined, key: string | undefined, version: string | undefined, protocol: string | undefined): HandshakeCheck;

  /**
   * Writes `response` (the 101 head) and makes the connection a WebSocket;
   * bytes that arrived behind the request are parsed on the next loop turn
   * (never inside this call). A null `response` is ws's default head with
   * the accept key computed for the request and `protocol` (own listener
   * only). Returns false if the connection is gone (closed while JS decided).
   */
  accept(
    id: number,
    response: string | null,
    protocol: string | undefined,
    maxPayload: number,
    maxFragments: number,
    maxPendingAutoPongs: number,
    closeTimeout: number,
    flags: number
  ): boolean;
  /** Writes raw bytes (an HTTP response) on a connection that is not a WebSocket yet. */
  writeRaw(id: number, data: string | Buffer): boolean;
  /**
   * Ends the TCP stream once queued bytes are written (FIN). A connection
   * that is not a WebSocket yet is then closed; a WebSocket waits for the
   * peer's FIN (or its close timeout) and reports `onEnd`.
   */
  end(id: number): void;
  /** Closes a connection at once, without any further callback. */
  destroy(id: number): void;

  /**
   * Sends one frame. `data` is a string (sent as UTF-8) or bytes; `frame`
   * is the opcode with `SendFlag` bits. Returns 0 when the frame left (or
   * will leave at the end of the current dispatch, or, without
   * `SendFlag.Callback`, of the current poller wakeup, without waiting for
   * the socket), else the value the `flushed` counter of `onFlush` must
   * reach for this frame to be out. Returns -1 if the connection is gone or
   * a close frame was already sent. `mask`: true for a random key, or the
   * 4-byte key to use (ws's `generateMask`).
   */
  send(id: number, data: string | ArrayBufferView | ArrayBuffer, frame: number, mask: boolean | Uint8Array): number;
  /**
   * Starts (or continues, ws-style) the closing handshake. `code` -1: no
   * code; reason only with a code. `maskKey`: a client's key for the close
   * frame (ws's `generateMask`); random when absent.
   */
  close(id: number, code: number, reason: string | Buffer | undefined, maskKey?: Uint8Array): void;
  pause(id: number): void;
  resume(id: number): void;
  /** Bytes accepted by `send` and not yet handed to the kernel. */
  bufferedAmount(id: number): number;
  setFlushEvents(id: number, enabled: boolean): void;
  /**
   * Both ends of an open socket connection (from the accepted address, or
   * getpeername/getsockname); null once it is closed, and for fed
   * connections.
   */
  peerInfo(id: number): ConnectionAddresses | null;
  /** Deliver fragmented binary messages as arrays of frame payloads (binaryType 'fragments'). */
  setFragments(id: number, enabled: boolean): void;
}

/** Bits of `send`'s `frame` argument, above the opcode (its low four bits). */
export const enum SendFlag {
  /** The frame ends its message. */
  Fin = 0x10,
  /** A send callback waits for it: it must not be held to the end of the wakeup. */
  Callback = 0x20
}

/** Bits of `accept`'s `flags` (native/addon/connection_api.cpp). */
const enum AcceptFlag {
  SkipUtf8Validation = 1,
  AutoPong = 2,
  Fragments = 4,
  Client = 8,
  AnswerCloseInJs = 16
}

/**
 * `native.accept` with its settings as an object: writes `response` (the
 * 101 head; null: the default one with `protocol`) and makes connection
 * `id` a WebSocket. Returns false if the connection is gone.
 */
export function acceptConnection(
  id: number,
  response: string | null,
  protocol: string | undefined,
  options: AcceptOptions
): boolean {
  const flags =
    (options.skipUTF8Validation ? AcceptFlag.SkipUtf8Validation : 0) |
    (options.autoPong ? AcceptFlag.AutoPong : 0) |
    (options.fragments ? AcceptFlag.Fragments : 0) |
    (options.client ? AcceptFlag.Client : 0) |
    (options.answerCloseInJs ? AcceptFlag.AnswerCloseInJs : 0);
  return native.accept(
    id,
    response,
    protocol,
    options.maxPayload,
    options.maxFragments,
    options.maxPendingAutoPongs,
    options.closeTimeout,
    flags
  );
}

/** Directory holding the compiled addons (`build/Release`). */
export const buildDirectory = path.resolve(__dirname, '..', 'build', 'Release');

/**
 * The addon, loaded once per environment. `UWS_NATIVE_ADDON` names another
 * build of it (e.g. one with AddressSanitizer, see README "Development").
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const native: NativeAddon = require(process.env.UWS_NATIVE_ADDON || path.join(buildDirectory, 'uws.node'));
