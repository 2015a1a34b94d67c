/**
 * The contract between the TypeScript layer and the native addon
 * (`build/Release/uws.node`, sources in `native/addon`).
 *
 * Connections are named by numeric ids that encode a slot and a generation, so
 * an id that outlived its connection is recognised by the addon and ignored
 * (operations on it return `false` or `0`). After `onEnd` for a connection, or
 * after JS called `terminate`/`destroy` on it, the addon never mentions that id
 * again.
 */
import * as path from 'node:path';

/** What the own listener tells JS about a complete upgrade request. */
export interface UpgradeRequest {
  method: string;
  url: string;
  /** "1.1" or "1.0", as `IncomingMessage#httpVersion`. */
  httpVersion: string;
  /** Alternating names (as sent) and values, as `IncomingMessage#rawHeaders`. */
  rawHeaders: string[];
  remoteAddress: string;
  remotePort: number;
  remoteFamily: string;
  localAddress: string;
  localPort: number;
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
 * one read). `ws` is the object given to `accept`.
 */
export interface NativeCallbacks {
  /** A complete upgrade request reached a listener; `owner` is the object given to `listen`. */
  onUpgrade(owner: object, id: number, request: UpgradeRequest, check: HandshakeCheck): void;
  /** A complete message. `data` is an array of Buffers only in `fragments` mode for binary messages. */
  onMessage(ws: object, data: Buffer | Buffer[], isBinary: boolean): void;
  /** A ping (the automatic pong, if enabled, has already been queued). */
  onPing(ws: object, data: Buffer): void;
  onPong(ws: object, data: Buffer): void;
  /**
   * The peer's close frame (code 1005 when it had no payload). The addon has
   * already answered it as ws does (echoed the code and reason if no close
   * frame was sent yet, then ends the TCP stream once the answer is written).
   */
  onCloseFrame(ws: object, code: number, reason: Buffer): void;
  /**
   * The peer broke the protocol. The addon has already sent a close frame
   * with `closeCode` (unless one was sent before) and ends the TCP stream; input
   * is ignored from now on.
   */
  onProtocolError(ws: object, code: string, message: string, closeCode: number, isRangeError: boolean): void;
  /** Bytes of the write queue left the process; `flushed` counts them since the connection began (see `send`). Only while `setFlushEvents(id, true)`. */
  onFlush(ws: object, flushed: number): void;
  /** The TCP connection is closed (peer gone, close handshake done, close timeout, I/O error). Final. */
  onEnd(ws: object): void;
}

/** The addon's exports. */
export interface NativeAddon {
  /** Registers the callbacks; once per environment (main thread or Worker). */
  init(callbacks: NativeCallbacks): void;

  /** Listens on host:port; throws a Node-style system error (code, errno, syscall, address, port). Returns a listener id. */
  listen(owner: object, options: ListenOptions): number;
  /** The listener's bound address. */
  listenerAddress(listener: number): BoundAddress;
  /** Stops accepting and drops connections that have not finished their upgrade request. */
  closeListener(listener: number): void;

  /** Validates an upgrade request that came through Node's http parser (same checks as the own listener). */
  checkUpgrade(method: string, upgrade: string | undefined, key: string | undefined, version: string | undefined, protocol: string | undefined): HandshakeCheck;

  /**
   * Writes `response` (the 101 head) and makes the connection a WebSocket;
   * bytes that arrived behind the request are parsed right after. Returns false
   * if the connection is gone (closed while JS decided).
   */
  accept(id: number, ws: object, response: string, options: AcceptOptions): boolean;
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
   * Sends one frame. `data` is a string (sent as UTF-8) or bytes. Returns 0
   * when the frame left (or will leave at the end of the current batch
   * without waiting for the socket), else the value the `flushed` counter of
   * `onFlush` must reach for this frame to be out. Returns -1 if the
   * connection is gone or a close frame was already sent.
   */
  send(id: number, data: string | ArrayBufferView | ArrayBuffer, opcode: number, fin: boolean, mask: boolean): number;
  /** Starts (or continues, ws-style) the closing handshake. `code` -1: no code; reason only with a code. */
  close(id: number, code: number, reason: string | Buffer | undefined): void;
  /** Closes the TCP connection at once; no `onEnd` follows. */
  terminate(id: number): void;
  pause(id: number): void;
  resume(id: number): void;
  /** Bytes accepted by `send` and not yet handed to the kernel. */
  bufferedAmount(id: number): number;
  setFlushEvents(id: number, enabled: boolean): void;
  /** Deliver fragmented binary messages as arrays of frame payloads (binaryType 'fragments'). */
  setFragments(id: number, enabled: boolean): void;
}

/** Directory holding the compiled addons (`build/Release`). */
export const buildDirectory = path.resolve(__dirname, '..', 'build', 'Release');

/** The addon, loaded once per environment. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const native: NativeAddon = require(path.join(buildDirectory, 'uws.node'));
