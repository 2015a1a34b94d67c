/**
 * The `WebSocketServer` class: `ws` 8.23's server, with its options,
 * defaults, upgrade checks (in `ws`'s order), rejection responses,
 * `'headers'`/`'connection'`/`'wsClientError'` events, client tracking and
 * `close()` rules. The listening socket, the HTTP parsing and the answers to
 * non-upgrade requests belong to the native core (`native.listen`); each
 * complete upgrade request comes back here through `onUpgrade` to be decided
 * exactly as `ws`'s `handleUpgrade`/`completeUpgrade` decide it.
 *
 * In `server` and `noServer` modes Node's HTTP server parses the request and
 * `handleUpgrade`/`completeUpgrade` decide it on Node's socket, as `ws` does;
 * only after the 101 is decided is the socket handed to the core
 * (`takeOverSocket`: its fd adopted, or, for TLS and other streams, fed).
 *
 * @module
 */
import * as dns from 'node:dns';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  IncomingMessage,
  STATUS_CODES,
  type OutgoingHttpHeaders,
  type Server as HttpServer
} from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';

import {
  CLOSE_TIMEOUT,
  CONNECTING,
  GUID,
  HANDSHAKE_TIMEOUT,
  kConnectionClosed,
  kHandleUpgrade,
  kHandshakeEnded
} from './constants.js';
import { createBadPortError } from './errors.js';
import { createIncomingRequest, madeSocketOf, resolveIncomingRequest } from './incoming-request.js';
import { acceptConnection, native, type AcceptOptions, type BoundAddress, type HandshakeCheck, type UpgradeRequest } from './native.js';
import { SocketStandIn } from './socket-stand-in.js';
import { readAddresses, takeOverSocket, type FedTransport } from './socket-takeover.js';
import { WebSocket, type ConnectionOwner, type PerMessageDeflateOptions } from './websocket.js';

/** What `verifyClient` is given. */
export interface VerifyClientInfo<Request extends IncomingMessage = IncomingMessage> {
  /**
   * The `Origin` header (`Sec-WebSocket-Origin` for protocol version 8);
   * typed `string` as in `@types/ws`, though absent headers give `undefined`.
   */
  origin: string;
  /** Whether the connection is TLS. */
  secure: boolean;
  /** The upgrade request. */
  req: Request;
}

/** Synchronous `verifyClient`: return falsy to reject with 401. */
export type VerifyClientCallbackSync<Request extends IncomingMessage = IncomingMessage> = (
  info: VerifyClientInfo<Request>
) => boolean;

/** Asynchronous `verifyClient`: call `callback(false, code?, message?, headers?)` to reject. */
export type VerifyClientCallbackAsync<Request extends IncomingMessage = IncomingMessage> = (
  info: VerifyClientInfo<Request>,
  callback: (res: boolean, code?: number, message?: string, headers?: OutgoingHttpHeaders) => void
) => void;

/** Picks the subprotocol (falsy: none) from the client's list. */
export type HandleProtocols<Request extends IncomingMessage = IncomingMessage> = (
  protocols: Set<string>,
  request: Request
) => string | false;

/**
 * Options of `WebSocketServer` (those of `ws` 8.23, plus `handshakeTimeout`).
 *
 * @typeParam T - the class of the server-side WebSockets (`WebSocket` option)
 * @typeParam U - the class of the requests (`IncomingMessage`)
 */
export interface ServerOptions<
  T extends typeof WebSocket = typeof WebSocket,
  U extends typeof IncomingMessage = typeof IncomingMessage
> {
  /** Emit several `'message'`/`'ping'`/`'pong'` events per tick (default `true`). */
  allowSynchronousEvents?: boolean | undefined;
  /** Answer pings automatically (default `true`). */
  autoPong?: boolean | undefined;
  /** `listen()` backlog (default 511). */
  backlog?: number | null | undefined;
  /** Keep connected clients in `server.clients` (default `true`). */
  clientTracking?: boolean | undefined;
  /** Milliseconds to wait for the closing handshake (default 30000). */
  closeTimeout?: number | undefined;
  /** Choose the subprotocol. */
  handleProtocols?: HandleProtocols<InstanceType<U>> | null | undefined;
  /** Milliseconds a connection may take to send its upgrade request; then 408 (default 60000; uws only). */
  handshakeTimeout?: number | undefined;
  /** Host to listen on (default: all interfaces, IPv6 and IPv4). */
  host?: string | null | undefined;
  /** Accepted for compatibility; the core keeps no chunk list (default 262144). */
  maxBufferedChunks?: number | undefined;
  /** Most fragments per message (default 16384). */
  maxFragments?: number | undefined;
  /** Largest message in bytes (default 100 MiB). */
  maxPayload?: number | undefined;
  /** Close a connection that has this many automatic pongs unsent (default 60). */
  maxPendingAutoPongs?: number | undefined;
  /** Do not listen; upgrades are handed in with `handleUpgrade()`. */
  noServer?: boolean | undefined;
  /** Accept only requests for this path. */
  path?: string | null | undefined;
  /** permessage-deflate settings (accepted; not negotiated yet). */
  perMessageDeflate?: boolean | PerMessageDeflateOptions | undefined;
  /** Port to listen on. */
  port?: number | string | null | undefined;
  /** An existing HTTP(S) server to attach to (its `'upgrade'` events are handled). */
  server?: HttpServer<U> | HttpsServer<U> | null | undefined;
  /** Do not check that text messages and close reasons are valid UTF-8 (default `false`). */
  skipUTF8Validation?: boolean | undefined;
  /** Accept or reject a request before the upgrade. */
  verifyClient?:
    | VerifyClientCallbackAsync<InstanceType<U>>
    | VerifyClientCallbackSync<InstanceType<U>>
    | null
    | undefined;
  /** The class of the server-side WebSockets (a subclass of `WebSocket`). */
  WebSocket?: T | undefined;
}

/** `ServerOptions` with `ws`'s defaults applied (what `server.options` holds). */
export type ResolvedServerOptions<
  T extends typeof WebSocket = typeof WebSocket,
  U extends typeof IncomingMessage = typeof IncomingMessage
> = {
  allowSynchronousEvents: boolean;
  autoPong: boolean;
  maxBufferedChunks: number;
  maxFragments: number;
  maxPayload: number;
  maxPendingAutoPongs: number;
  skipUTF8Validation: boolean;
  perMessageDeflate: false | PerMessageDeflateOptions;
  handleProtocols: HandleProtocols<InstanceType<U>> | null;
  clientTracking: boolean;
  closeTimeout: number;
  verifyClient: VerifyClientCallbackAsync<InstanceType<U>> | VerifyClientCallbackSync<InstanceType<U>> | null;
  noServer: boolean;
  backlog: number | null;
  server: HttpServer<U> | HttpsServer<U> | null;
  host: string | null;
  path: string | null;
  port: number | string | null;
  handshakeTimeout: number;
  WebSocket: T;
};

/** The bound address of a server (as `net.Server#address()`). */
export type AddressInfo = BoundAddress;

/** The listener signatures of the events a `WebSocketServer` emits. */
export interface WebSocketServerEvents<
  T extends typeof WebSocket = typeof WebSocket,
  U extends typeof IncomingMessage = typeof IncomingMessage
> {
  close: (this: WebSocketServer<T, U>) => void;
  connection: (this: WebSocketServer<T, U>, websocket: InstanceType<T>, request: InstanceType<U>) => void;
  error: (this: WebSocketServer<T, U>, error: Error) => void;
  headers: (this: WebSocketServer<T, U>, headers: string[], request: InstanceType<U>) => void;
  listening: (this: WebSocketServer<T, U>) => void;
  wsClientError: (this: WebSocketServer<T, U>, error: Error, socket: Duplex, request: InstanceType<U>) => void;
}

// Server states, as in `ws`.
const RUNNING = 0;
const CLOSING = 1;
const CLOSED = 2;

/** No listener. */
const NO_LISTENER = -1;

/** The subprotocols of a request that offered none (never exposed to users). */
const NO_PROTOCOLS: ReadonlySet<string> = new Set<string>();

/** Extra header of the rejection of a bad `Sec-WebSocket-Version`. */
const VERSION_HEADERS = Object.freeze({ 'Sec-WebSocket-Version': '13, 8' });

/**
 * Marks a Node socket that `completeUpgrade` already made a WebSocket
 * (`ws` keeps its WebSocket on the socket under its own `kWebSocket`).
 */
const kUpgradedWebSocket = Symbol('uws:upgraded-websocket');

/** A Node socket as `completeUpgrade` sees it. */
type UpgradeSocket = Duplex & { [kUpgradedWebSocket]?: WebSocket };

/** Bind errors after which Node does not fall back from `::` to `0.0.0.0`. */
const NO_FALLBACK_ERRORS = new Set(['EADDRINUSE', 'EACCES']);

/**
 * A WebSocket server with the `ws` 8.23 API.
 *
 * @example
 * const wss = new WebSocketServer({ port: 8080 });
 * wss.on('connection', (ws) => ws.on('message', (data) => ws.send(data)));
 */
export class WebSocketServer<
    T extends typeof WebSocket = typeof WebSocket,
    U extends typeof IncomingMessage = typeof IncomingMessage
  >
  extends EventEmitter
  implements ConnectionOwner
{
  /** The options, with `ws`'s defaults filled in. */
  options: ResolvedServerOptions<T, U>;
  /** The connected clients (only with `clientTracking`, as in `ws`). */
  declare clients: Set<InstanceType<T>>;
  /** Declared by `@types/ws`; `ws` keeps the path in `options.path` (so does this). */
  declare readonly path: string;

  _state: number;
  _shouldEmitClose = false;
  /** The native listener id, or `NO_LISTENER`. */
  _listener = NO_LISTENER;
  /** The constructor's callback, called on `'listening'` (`ws` hangs it on its HTTP server). */
  _listeningCallback: (() => void) | null = null;
  /** Connections being decided in JS plus open WebSockets: `'close'` waits for them. */
  _connectionCount = 0;
  /** Whether the `'close'` event is already scheduled. */
  _closeScheduled = false;
  /** The HTTP(S) server of the `server` option, until `close()`. */
  _server: HttpServer<U> | HttpsServer<U> | null = null;
  /** Removes the listeners added to `_server`. */
  _removeListeners: (() => void) | null = null;
  /**
   * The last key `handleUpgrade` accepted and its `Sec-WebSocket-Accept`
   * (the addon computed it), so `completeUpgrade` need not hash it again.
   */
  _checkedKey: string | undefined = undefined;
  _checkedAccept = '';

  /**
   * @param options - `ws`'s server options (exactly one of `port`, `server`,
   *   `noServer`)
   * @param callback - a `'listening'` listener
   * @throws TypeError unless exactly one of `port`, `server`, `noServer` is given
   */
  constructor(options?: ServerOptions<T, U>, callback?: () => void) {
    super();

    const resolved = {
      allowSynchronousEvents: true,
      autoPong: true,
      maxBufferedChunks: 256 * 1024,
      maxFragments: 16 * 1024,
      maxPayload: 100 * 1024 * 1024,
      maxPendingAutoPongs: 60,
      skipUTF8Validation: false,
      perMessageDeflate: false,
      handleProtocols: null,
      clientTracking: true,
      closeTimeout: CLOSE_TIMEOUT,
      verifyClient: null,
      noServer: false,
      backlog: null,
      server: null,
      host: null,
      path: null,
      port: null,
      handshakeTimeout: HANDSHAKE_TIMEOUT,
      WebSocket,
      ...options
    } as ResolvedServerOptions<T, U>;

    if (
      (resolved.port == null && !resolved.server && !resolved.noServer) ||
      (resolved.port != null && (resolved.server || resolved.noServer)) ||
      (resolved.server && resolved.noServer)
    ) {
      throw new TypeError(
        'One and only one of the "port", "server", or "noServer" options must be specified'
      );
    }

    // Checked before anything is attached, as `net.Server#listen` throws.
    const port = resolved.port != null ? validatePort(resolved.port) : -1;

    if (resolved.server) {
      const server = resolved.server;
      const emitConnection = this.emit.bind(this, 'connection');
      this._server = server;
      this._removeListeners = addListeners(server, {
        listening: this.emit.bind(this, 'listening'),
        error: this.emit.bind(this, 'error'),
        upgrade: (req: InstanceType<U>, socket: Duplex, head: Buffer) => {
          this.handleUpgrade(req, socket, head, emitConnection);
        }
      });
    }

    if ((resolved.perMessageDeflate as unknown) === true) resolved.perMessageDeflate = {};
    if (resolved.clientTracking) {
      this.clients = new Set();
      this._shouldEmitClose = false;
    }

    this.options = resolved;
    this._state = RUNNING;

    if (port !== -1) {
      if (callback) this._listeningCallback = callback;
      this._startListening(port);
    }
  }

  /**
   * The bound address, like `net.Server#address()`; `null` before the
   * server listens and after `close()`.
   *
   * @throws Error in `noServer` mode
   */
  address(): BoundAddress | string | null {
    if (this.options.noServer) {
      throw new Error('The server is operating in "noServer" mode');
    }

    if (this.options.server) {
      return this._server === null ? null : this._server.address();
    }

    if (this._listener === NO_LISTENER) return null;
    return native.listenerAddress(this._listener);
  }

  /**
   * Stop accepting connections. As in `ws` 8, open connections are not
   * closed: `'close'` is emitted once the listener is closed and every
   * connection is gone. In `server`/`noServer` mode the HTTP server is left
   * alone (only detached) and `'close'` waits for `clients` to empty (at
   * once without `clientTracking`), as in `ws`; upgrades still being
   * decided get 503. On a server that is already closed, `cb` gets
   * `Error('The server is not running')`.
   *
   * @param cb - a one-time `'close'` listener
   */
  close(cb?: (err?: Error) => void): void {
    if (this._state === CLOSED) {
      if (cb) {
        this.once('close', () => {
          cb(new Error('The server is not running'));
        });
      }

      process.nextTick(emitClose, this);
      return;
    }

    if (cb) this.once('close', cb);

    if (this._state === CLOSING) return;
    this._state = CLOSING;

    if (this.options.noServer || this.options.server) {
      this._detachServer();
      return;
    }

    if (this._listener !== NO_LISTENER) {
      native.closeListener(this._listener);
      this._listener = NO_LISTENER;
    }

    this._emitCloseIfDrained();
  }

  /**
   * Whether this server handles `req` (the `path` option); `false` answers
   * 400. Subclasses may override it, as with `ws`.
   *
   * @param req - the upgrade request
   */
  shouldHandle(req: InstanceType<U>): boolean | Promise<boolean> {
    if (this.options.path) {
      const url = req.url as string;
      const index = url.indexOf('?');
      const pathname = index !== -1 ? url.slice(0, index) : url;

      if (pathname !== this.options.path) return false;
    }

    return true;
  }

  /**
   * Upgrade a request that a Node HTTP(S) server received (its `'upgrade'`
   * event), with `ws`'s checks in `ws`'s order: method, `Upgrade`,
   * `Sec-WebSocket-Key`, `Sec-WebSocket-Version`, `shouldHandle` (400
   * without a body), `Sec-WebSocket-Protocol`, then `verifyClient`. A
   * rejection is written on `socket` (or given to `'wsClientError'`).
   *
   * @param req - the upgrade request
   * @param socket - the request's socket (any Duplex)
   * @param head - the bytes Node read behind the request
   * @param cb - called with the open WebSocket and `req`
   */
  handleUpgrade(
    req: InstanceType<U>,
    socket: Duplex,
    head: Buffer,
    cb: (client: InstanceType<T>, request: InstanceType<U>) => void
  ): void {
    socket.on('error', socketOnError);

    const headers = req.headers;
    const key = headers['sec-websocket-key'];
    const check = native.checkUpgrade(
      req.method as string,
      headers.upgrade,
      key,
      headers['sec-websocket-version'] as string | undefined,
      headers['sec-websocket-protocol'] as string | undefined
    );

    if (check.accept !== '') {
      // completeUpgrade reuses the accept value the addon computed.
      this._checkedKey = key;
      this._checkedAccept = check.accept;
    }
    // permessage-deflate is not negotiated yet (as on the own listener):
    // no extensions are accepted.
    const extensions = {};
    this._verifyUpgrade(req, socket, check, (protocols) =>
      this.completeUpgrade(extensions, key as string, protocols as Set<string>, req, socket, head, cb)
    );
  }

  /**
   * The checks `ws`'s `handleUpgrade` makes after parsing, in its order —
   * shared by the own listener and the attach modes: the addon's header
   * checks (method, Upgrade, key, version), `shouldHandle`, the subprotocol
   * list, then `verifyClient` (sync or async). Rejections are answered (or
   * given to `'wsClientError'`) here; `proceed` runs when the upgrade may go on.
   */
  _verifyUpgrade(
    req: InstanceType<U>,
    socket: SocketStandIn | Duplex | null,
    check: HandshakeCheck,
    proceed: (protocols: ReadonlySet<string>) => void
  ): void {
    if (check.status !== 0) {
      this._rejectOrEmitClientError(
        req,
        handshakeSocket(req, socket),
        check.status,
        check.message,
        check.sendVersionHeader ? VERSION_HEADERS : undefined
      );
      return;
    }

    if (!this.shouldHandle(req)) {
      abortHandshake(handshakeSocket(req, socket), 400);
      return;
    }

    const offered = check.protocols;
    if (offered === false) {
      this._rejectOrEmitClientError(req, handshakeSocket(req, socket), 400, 'Invalid Sec-WebSocket-Protocol header');
      return;
    }
    const protocols = offered === null || offered.length === 0 ? NO_PROTOCOLS : new Set(offered);

    const verifyClient = this.options.verifyClient as
      | VerifyClientCallbackAsync
      | VerifyClientCallbackSync
      | null;
    if (!verifyClient) {
      proceed(protocols);
      return;
    }

    // The own listener is plain TCP: no need to make its socket stand-in.
    const reqSocket = socket === null ? null : (req.socket as { authorized?: boolean; encrypted?: boolean });
    const info: VerifyClientInfo = {
      origin: req.headers[check.version === 8 ? 'sec-websocket-origin' : 'origin'] as string,
      secure: reqSocket !== null && !!(reqSocket.authorized || reqSocket.encrypted),
      req
    };

    if (verifyClient.length === 2) {
      (verifyClient as VerifyClientCallbackAsync)(info, (verified, code, message, rejectHeaders) => {
        if (!verified) {
          abortHandshake(handshakeSocket(req, socket), code || 401, message, rejectHeaders);
          return;
        }
        proceed(protocols);
      });
      return;
    }

    if (!(verifyClient as VerifyClientCallbackSync)(info)) {
      abortHandshake(handshakeSocket(req, socket), 401);
      return;
    }
    proceed(protocols);
  }

  /**
   * `ws`'s second upgrade step on a Node socket: writes the 101 (after the
   * `'headers'` event), hands the socket to the native core, tracks the
   * WebSocket and calls `cb`. A socket that is no longer readable and
   * writable is destroyed; a closing server answers 503.
   *
   * @param _extensions - accepted extensions (ignored: permessage-deflate
   *   is not negotiated yet)
   * @param key - the request's `Sec-WebSocket-Key`
   * @param protocols - the subprotocols the client offered
   * @param req - the upgrade request
   * @param socket - the request's socket
   * @param head - the bytes Node read behind the request
   * @param cb - called with the open WebSocket and `req`
   * @throws Error if the socket was already upgraded by a WebSocketServer
   */
  completeUpgrade(
    _extensions: Record<string, unknown>,
    key: string,
    protocols: Set<string>,
    req: InstanceType<U>,
    socket: Duplex,
    head: Buffer,
    cb: (client: InstanceType<T>, request: InstanceType<U>) => void
  ): void {
    const upgradeSocket = socket as UpgradeSocket;
    const previous = upgradeSocket[kUpgradedWebSocket];
    // `ws` finds its WebSocket on the still-open socket; ours was handed to
    // the core (and, adopted, destroyed), so its WebSocket tells instead.
    if (previous !== undefined && previous._readyState !== WebSocket.CLOSED) {
      throw new Error(
        'server.handleUpgrade() was called more than once with the same socket, possibly due to a misconfiguration'
      );
    }

    const accept =
      key === this._checkedKey ? this._checkedAccept : createHash('sha1').update(key + GUID).digest('base64');
    const prepared = this._prepareWebSocket(accept, protocols, req, socket);
    if (prepared === null) return;
    const { ws, headers } = prepared;

    socket.removeListener('error', socketOnError);
    upgradeSocket[kUpgradedWebSocket] = ws;

    const addresses = readAddresses(socket);
    const taken = takeOverSocket(this, socket, head);
    if (taken.fed === null) keepCountedByServer(socket, ws);
    const standIn = new SocketStandIn(taken.id, addresses);
    standIn.encrypted = !!(socket as { encrypted?: boolean }).encrypted;

    // The connection is not counted for the own listener's `'close'` (see
    // `kConnectionClosed`): here, as in `ws`, `'close'` waits for `clients`
    // only. Refusal cannot happen before the core reads (adopted) or JS
    // feeds (fed); checked for safety.
    if (!this._acceptWebSocket(ws, taken.id, standIn, headers, taken.fed)) return;
    cb(ws, req);
  }

  /** `close()` in `server`/`noServer` mode (`ws`'s rules). */
  _detachServer(): void {
    if (this._removeListeners !== null) {
      this._removeListeners();
      this._removeListeners = null;
      this._server = null;
    }

    if (this.clients && this.clients.size) {
      this._shouldEmitClose = true;
    } else {
      process.nextTick(emitClose, this);
    }
  }

  // ---------------------------------------------------------------------
  // Listening.
  // ---------------------------------------------------------------------

  /** Resolve the host like `net.Server#listen`, then listen natively. */
  _startListening(port: number): void {
    const host = this.options.host;

    if (!host || isIP(host) !== 0) {
      this._listenOn(host || null, port);
      return;
    }

    dns.lookup(host, (err, address) => {
      if (this._state !== RUNNING) return;
      if (err) {
        this.emit('error', err);
        return;
      }
      this._listenOn(address, port);
    });
  }

  /**
   * Listen on `address` (`null`: `::` dual-stack, or `0.0.0.0` where IPv6
   * is unavailable, as Node does); `'listening'` or `'error'` follow on
   * the next tick, as from `net.Server`.
   */
  _listenOn(address: string | null, port: number): void {
    const options = this.options;
    const listenOptions = {
      host: address === null ? '::' : address,
      port,
      backlog: (options.backlog as number) || 511,
      handshakeTimeout: options.handshakeTimeout
    };

    try {
      try {
        this._listener = native.listen(this, listenOptions);
      } catch (err) {
        if (address !== null || NO_FALLBACK_ERRORS.has((err as { code?: string }).code as string)) {
          throw err;
        }
        listenOptions.host = '0.0.0.0';
        this._listener = native.listen(this, listenOptions);
      }
    } catch (err) {
      process.nextTick(emitListenError, this, err);
      return;
    }

    process.nextTick(emitListening, this);
  }

  // ---------------------------------------------------------------------
  // The upgrade (`ws` handleUpgrade / completeUpgrade).
  // ---------------------------------------------------------------------

  /**
   * A complete upgrade request from the own listener. The addon has checked
   * method, `Upgrade`, `Sec-WebSocket-Key` and `Sec-WebSocket-Version` (in
   * `ws`'s order) and parsed `Sec-WebSocket-Protocol`; the rest follows
   * `ws`'s `handleUpgrade`.
   */
  [kHandleUpgrade](id: number, request: UpgradeRequest, check: HandshakeCheck): void {
    // Typed as the server's request class for user hooks; it is always an
    // IncomingMessage (the own listener has no custom class). Its socket is
    // made when first read (`socket` null below: "ask `req.socket`").
    const req = createIncomingRequest(request, id, this) as InstanceType<U>;
    this._connectionCount++;

    // permessage-deflate is not negotiated yet, so `Sec-WebSocket-Extensions`
    // is ignored (as `ws` does with `perMessageDeflate: false`).
    this._verifyUpgrade(req, null, check, (protocols) => this._completeUpgrade(id, check.accept, protocols, req));
  }

  /** `ws`'s `completeUpgrade`: the 101, the WebSocket, `'connection'`. */
  _completeUpgrade(id: number, accept: string, protocols: ReadonlySet<string>, req: InstanceType<U>): void {
    const prepared = this._prepareWebSocket(accept, protocols, req, null);
    if (prepared === null) return;
    const { ws, headers } = prepared;

    // A `'headers'` listener or `handleProtocols` ended or destroyed
    // `req.socket`: that already told this server the handshake is over,
    // and there is no connection left to accept.
    const made = madeSocketOf(req);
    if (made !== null && !made.writable) {
      resolveIncomingRequest(req, null);
      return;
    }

    const accepted = this._acceptWebSocket(ws, id, made, headers, null);
    resolveIncomingRequest(req, accepted ? ws : null);
    if (!accepted) {
      // The peer left while JS was deciding.
      this[kHandshakeEnded]();
      return;
    }
    this.emit('connection', ws, req);
  }

  /**
   * The part of `ws`'s `completeUpgrade` both upgrade paths share: a socket
   * the user ended is destroyed, a closing server answers 503; otherwise the
   * WebSocket is made, its subprotocol chosen (`handleProtocols`) and the
   * `'headers'` event lets listeners change the 101 head. Null when the
   * upgrade stops here.
   */
  _prepareWebSocket(
    accept: string,
    protocols: ReadonlySet<string>,
    req: InstanceType<U>,
    socket: SocketStandIn | Duplex | null
  ): { ws: InstanceType<T>; headers: string[] | null } | null {
    // The client has already sent a FIN, or the user ended the socket (e.g.
    // in `verifyClient`; a stand-in nobody asked for is neither).
    const made = socket ?? madeSocketOf(req);
    if (made !== null && (!made.readable || !made.writable)) {
      made.destroy();
      return null;
    }

    if (this._state > RUNNING) {
      abortHandshake(handshakeSocket(req, socket), 503);
      return null;
    }

    const options = this.options;
    const ws = new options.WebSocket(null, undefined, options) as InstanceType<T>;

    let protocol: unknown;
    if (protocols.size) {
      protocol = options.handleProtocols
        ? options.handleProtocols(protocols as Set<string>, req)
        : protocols.values().next().value;

      if (protocol) ws._protocol = protocol as string;
    }

    // The head as lines only when a 'headers' listener may change it (or a
    // Node socket carries it); otherwise the core writes the same default
    // head from the accept key it computed (null).
    let headers: string[] | null = null;
    if (socket !== null || this.listenerCount('headers') > 0) {
      headers = [
        'HTTP/1.1 101 Switching Protocols',
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Accept: ${accept}`
      ];
      if (protocol) headers.push(`Sec-WebSocket-Protocol: ${protocol}`);
      this.emit('headers', headers, req);
    }

    // A listener closed the not-yet-open WebSocket: there is nothing to open.
    if (ws._readyState !== CONNECTING) {
      handshakeSocket(req, socket).destroy();
      return null;
    }
    return { ws, headers };
  }

  /**
   * The end both upgrade paths share: `ws` takes connection `id` (its
   * stand-in becomes `ws._socket`, and the WebSocket, not the handshake,
   * accounts for the connection from here), the core writes the 101 head
   * and applies the limits, then `OPEN`, `'open'`, and the client is
   * tracked. False, with nothing opened, when the connection was gone.
   */
  _acceptWebSocket(
    ws: InstanceType<T>,
    id: number,
    standIn: SocketStandIn | null,
    headers: string[] | null,
    transport: FedTransport | null
  ): boolean {
    const options = this.options;
    ws._bindConnection(id, standIn, !!options.allowSynchronousEvents, this, transport);
    const response = headers === null ? null : headers.join('\r\n') + '\r\n\r\n';
    const protocol = headers === null && ws._protocol ? `${ws._protocol}` : undefined;
    if (!acceptConnection(id, response, protocol, acceptOptions(options, ws))) {
      ws._unbindConnection();
      return false;
    }
    ws._open();
    if (this.clients) {
      this.clients.add(ws);
      ws.on('close', removeClosedClient);
    }
    return true;
  }

  /** `ws`'s `abortHandshakeOrEmitwsClientError`. */
  _rejectOrEmitClientError(
    req: InstanceType<U>,
    socket: SocketStandIn | Duplex,
    code: number,
    message: string,
    headers?: Readonly<OutgoingHttpHeaders>
  ): void {
    if (this.listenerCount('wsClientError')) {
      const err = new Error(message);
      Error.captureStackTrace(err, WebSocketServer.prototype._rejectOrEmitClientError);
      this.emit('wsClientError', err, socket, req);
    } else {
      abortHandshake(socket, code, message, headers);
    }
  }

  // ---------------------------------------------------------------------
  // Connection accounting for `'close'`.
  // ---------------------------------------------------------------------

  /** A connection ended before it became a WebSocket. */
  [kHandshakeEnded](): void {
    this._connectionCount--;
    this._emitCloseIfDrained();
  }

  /** A WebSocket of this server emitted `'close'`. */
  [kConnectionClosed](_ws: WebSocket): void {
    // `server`/`noServer` mode: connections are not counted (see `completeUpgrade`).
    if (this.options.noServer || this.options.server) return;
    this._connectionCount--;
    this._emitCloseIfDrained();
  }

  /**
   * `ws` closes its own HTTP server and emits `'close'` from that server's
   * `'close'`, which Node emits (on the next tick) once the listener is
   * closed and no connection is left.
   */
  _emitCloseIfDrained(): void {
    if (this._state !== CLOSING || this._connectionCount > 0 || this._closeScheduled) return;
    this._closeScheduled = true;
    process.nextTick(emitClose, this);
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any */
/** Typed overloads of the `EventEmitter` methods for the server's events. */
export interface WebSocketServer<
  T extends typeof WebSocket = typeof WebSocket,
  U extends typeof IncomingMessage = typeof IncomingMessage
> {
  on<K extends keyof WebSocketServerEvents<T, U>>(event: K, listener: WebSocketServerEvents<T, U>[K]): this;
  on(event: string | symbol, listener: (this: WebSocketServer<T, U>, ...args: any[]) => void): this;
  once<K extends keyof WebSocketServerEvents<T, U>>(event: K, listener: WebSocketServerEvents<T, U>[K]): this;
  once(event: string | symbol, listener: (this: WebSocketServer<T, U>, ...args: any[]) => void): this;
  off<K extends keyof WebSocketServerEvents<T, U>>(event: K, listener: WebSocketServerEvents<T, U>[K]): this;
  off(event: string | symbol, listener: (this: WebSocketServer<T, U>, ...args: any[]) => void): this;
  addListener<K extends keyof WebSocketServerEvents<T, U>>(event: K, listener: WebSocketServerEvents<T, U>[K]): this;
  addListener(event: string | symbol, listener: (...args: any[]) => void): this;
  removeListener<K extends keyof WebSocketServerEvents<T, U>>(event: K, listener: WebSocketServerEvents<T, U>[K]): this;
  removeListener(event: string | symbol, listener: (...args: any[]) => void): this;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** The per-connection settings for `native.accept`, from the server's options (read per upgrade, as `ws` does). */
function acceptOptions(options: ServerLimits, ws: WebSocket): AcceptOptions {
  return {
    // The `ws` Receiver truncates these with `| 0`.
    maxPayload: options.maxPayload | 0,
    maxFragments: options.maxFragments | 0,
    skipUTF8Validation: !!options.skipUTF8Validation,
    autoPong: !!options.autoPong,
    maxPendingAutoPongs: options.maxPendingAutoPongs | 0,
    closeTimeout: toTimerDelay(options.closeTimeout),
    fragments: ws._binaryType === 'fragments',
    answerCloseInJs: !options.allowSynchronousEvents
  };
}

/** The options `acceptOptions` reads. */
type ServerLimits = Pick<
  ResolvedServerOptions,
  'maxPayload' | 'maxFragments' | 'skipUTF8Validation' | 'autoPong' | 'maxPendingAutoPongs' | 'closeTimeout'
  | 'allowSynchronousEvents'
>;

/** The delay `setTimeout` would use for `value` (`ws` arms its close timer with it). */
function toTimerDelay(value: unknown): number {
  const delay = Number(value);
  return delay >= 1 && delay <= 2147483647 ? delay : 1;
}

/**
 * `net.Server#listen`'s port checks: a number or numeric string in
 * 0..65535. (A non-numeric string would be a pipe path, which the own
 * listener does not support.)
 */
function validatePort(port: unknown): number {
  if (typeof port === 'string' && port.trim() !== '' && Number.isFinite(Number(port))) {
    const value = Number(port);
    if (Number.isInteger(value) && value >= 0 && value <= 65535) return value;
    throw createBadPortError(port);
  }

  if (typeof port === 'number') {
    if (Number.isInteger(port) && port >= 0 && port <= 65535) return port;
    throw createBadPortError(port);
  }

  throw new TypeError(`uws: the "port" option must be a port number, received ${String(port)}`);
}

/**
 * `ws`'s `abortHandshake`: answer with `code` (body `message`, or the
 * status text), then end the connection once the response is out. A Node
 * socket is destroyed on `'finish'`, as `ws` does; the stand-in's `end()`
 * already closes the native connection once the response is written.
 */
/**
 * An adopted socket is destroyed on Node's side, so its `net.Server` stops
 * counting it and `server.close()` would no longer wait for it. With `ws`
 * it waits until the upgraded socket closes: count it again until the
 * WebSocket has closed. (Node's `_connections`/`_emitCloseIfDrained` are
 * used only when present.)
 */
function keepCountedByServer(socket: Duplex, ws: WebSocket): void {
  const server = (socket as { server?: { _connections?: unknown; _emitCloseIfDrained?: unknown } }).server;
  if (!server || typeof server._connections !== 'number' || typeof server._emitCloseIfDrained !== 'function') {
    return;
  }
  const counted = server as { _connections: number; _emitCloseIfDrained: () => void };
  counted._connections++;
  ws.once('close', () => {
    counted._connections--;
    counted._emitCloseIfDrained();
  });
}

/**
 * The socket of a handshake: `socket`, or on the own listener (null) the
 * request's, made now if nobody asked for it yet.
 */
function handshakeSocket(req: IncomingMessage, socket: SocketStandIn | Duplex | null): SocketStandIn | Duplex {
  return socket ?? (req.socket as unknown as SocketStandIn);
}

function abortHandshake(
  socket: SocketStandIn | Duplex,
  code: number,
  message?: string,
  headers?: Readonly<OutgoingHttpHeaders>
): void {
  message = message || STATUS_CODES[code];
  const allHeaders: Record<string, unknown> = {
    Connection: 'close',
    'Content-Type': 'text/html',
    'Content-Length': Buffer.byteLength(message as string),
    ...headers
  };

  const response =
    `HTTP/1.1 ${code} ${STATUS_CODES[code]}\r\n` +
    Object.keys(allHeaders)
      .map((h) => `${h}: ${allHeaders[h]}`)
      .join('\r\n') +
    '\r\n\r\n' +
    message;

  if (socket instanceof SocketStandIn) {
    socket.end(response);
  } else {
    socket.once('finish', socket.destroy);
    socket.end(response);
  }
}

/**
 * Adds `map`'s listeners to `emitter`; returns what removes them (`ws`'s
 * `addListeners`).
 */
function addListeners(
  emitter: EventEmitter,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  map: Record<string, (...args: any[]) => void>
): () => void {
  for (const event of Object.keys(map)) emitter.on(event, map[event]);

  return function removeListeners(): void {
    for (const event of Object.keys(map)) emitter.removeListener(event, map[event]);
  };
}

/** `'error'` on a Node socket during the handshake: `ws` destroys it. */
function socketOnError(this: Duplex): void {
  this.destroy();
}

/**
 * The `'close'` listener that keeps `clients` current (`ws` adds a closure
 * per client; this one function serves them all: `this` is the WebSocket
 * and its `_owner` the server).
 */
function removeClosedClient(this: WebSocket): void {
  const server = this._owner as unknown as WebSocketServer;
  server.clients.delete(this);

  if (server._shouldEmitClose && !server.clients.size) {
    process.nextTick(emitClose, server);
  }
}

function emitClose(server: WebSocketServer): void {
  server._state = CLOSED;
  server.emit('close');
}

function emitListening(server: WebSocketServer): void {
  // Closed before the listener was announced: Node emits nothing then.
  if (server._listener === NO_LISTENER) return;

  const callback = server._listeningCallback;
  if (callback !== null) {
    server._listeningCallback = null;
    callback();
  }
  server.emit('listening');
}

function emitListenError(server: WebSocketServer, err: Error): void {
  // `ws` stops forwarding its HTTP server's errors once closed.
  if (server._state !== RUNNING) return;
  server.emit('error', err);
}
