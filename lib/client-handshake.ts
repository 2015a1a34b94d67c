/**
 * The client's opening handshake, as `ws` 8.23's `initAsClient` does it:
 * options and their defaults, the upgrade request through Node's `http` /
 * `https` modules (so agents, proxies, `createConnection` and TLS options
 * behave as users expect), the handshake timeout, redirects, and the
 * `'upgrade'` / `'unexpected-response'` / `'redirect'` events. A valid 101
 * hands the socket to the core (`openClientConnection`).
 *
 * @module
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';

import { CLOSE_TIMEOUT, CLOSING, CONNECTING } from './constants.js';
import {
  copyOptionsForRedirects,
  credentialsDropped,
  dropCredentials,
  type RedirectOrigin
} from './client-redirect.js';
import { checkUpgradeResponse, createKey } from './client-response.js';
import { openClientConnection, type ClientConnectionOptions } from './client-transport.js';
import { parseClientUrl, requestTarget } from './client-url.js';
import type { WebSocket } from './websocket.js';

/** The protocol versions a client may speak (`protocolVersion`). */
const PROTOCOL_VERSIONS = [8, 13];

/** A subprotocol is an RFC 7230 token. */
const SUBPROTOCOL = /^[!#$%&'*+\-.0-9A-Z^_`|a-z~]+$/;

/** Requests aborted on purpose: their late `'error'` is not the WebSocket's. */
const abortedRequests = new WeakSet<http.ClientRequest>();

/** The user's options: `ClientOptions` and any `http.request` / `tls.connect` option. */
type UserOptions = Record<string, unknown>;

/** The options of one handshake request: the user's, with `ws`'s defaults and fixed fields. */
interface RequestOptions extends ClientConnectionOptions {
  [name: string]: unknown;
  protocolVersion: number;
  followRedirects: boolean;
  maxRedirects: number;
  handshakeTimeout?: number | undefined;
  origin?: string | undefined;
  finishRequest?: ((request: http.ClientRequest, websocket: WebSocket) => void) | undefined;
  createConnection?: unknown;
  defaultPort?: number | undefined;
  headers?: Record<string, unknown> | undefined;
  host?: string | undefined;
  port?: string | number | undefined;
  path?: string | undefined;
  socketPath?: string | undefined;
  auth?: string | undefined;
  timeout?: number | undefined;
}

/**
 * Starts a client's handshake (`new WebSocket(address, protocols, options)`).
 * Argument errors are thrown synchronously, as `ws` throws them.
 *
 * @param ws - the new WebSocket (CONNECTING)
 * @param address - the URL to connect to
 * @param protocols - a subprotocol, a list of them, or the options
 * @param options - the options (when `protocols` is not them)
 * @returns the resolved options (the constructor reads `autoPong`,
 *   `maxPendingAutoPongs` and `closeTimeout` from them)
 * @throws RangeError for an unsupported `protocolVersion`; SyntaxError for
 *   an invalid URL or subprotocol
 */
export function initAsClient(
  ws: WebSocket,
  address: string | URL,
  protocols: unknown,
  options: unknown
): ClientConnectionOptions {
  let list: unknown[];
  let opts = options as UserOptions | undefined;

  // `ws` constructor: `protocols` may be omitted, be the options, or be one
  // string; `options.protocols` is read when it is not given.
  if (protocols === undefined) {
    list = protocolList(opts);
  } else if (!Array.isArray(protocols)) {
    if (typeof protocols === 'object' && protocols !== null) {
      opts = protocols as UserOptions;
      list = protocolList(opts);
    } else {
      list = [protocols];
    }
  } else {
    list = protocols;
  }

  return startRequest(ws, address, list, opts, null);
}

function protocolList(options: UserOptions | undefined): unknown[] {
  if (!options || options.protocols === undefined) return [];
  return Array.isArray(options.protocols) ? options.protocols : [options.protocols];
}

/**
 * One request of the chain (the first, or a redirect). `origin` is null for
 * the first request; redirects are decided against it.
 */
function startRequest(
  ws: WebSocket,
  address: string | URL,
  protocols: unknown[],
  options: UserOptions | undefined,
  origin: RedirectOrigin | null
): RequestOptions {
  const opts: RequestOptions = {
    allowSynchronousEvents: true,
    autoPong: true,
    closeTimeout: CLOSE_TIMEOUT,
    protocolVersion: 13,
    maxBufferedChunks: 256 * 1024,
    maxFragments: 16 * 1024,
    maxPayload: 100 * 1024 * 1024,
    maxPendingAutoPongs: 60,
    skipUTF8Validation: false,
    perMessageDeflate: true,
    followRedirects: false,
    maxRedirects: 10,
    ...options,
    // Fields the URL decides (or that must not leak into `http.request`).
    socketPath: undefined,
    hostname: undefined,
    protocol: undefined,
    protocols: undefined,
    timeout: undefined,
    method: 'GET',
    host: undefined,
    path: undefined,
    port: undefined
  } as RequestOptions;

  if (!PROTOCOL_VERSIONS.includes(opts.protocolVersion)) {
    throw new RangeError(
      `Unsupported protocol version: ${opts.protocolVersion} ` +
        `(supported versions: ${PROTOCOL_VERSIONS.join(', ')})`
    );
  }

  const client = parseClientUrl(address);
  ws._url = client.url.href;

  if (client.invalidMessage !== undefined) {
    const err = new SyntaxError(client.invalidMessage);
    if (ws._redirects === 0) throw err;
    emitErrorAndClose(ws, err);
    return opts;
  }

  const { isSecure, isIpc } = client;
  const target = requestTarget(client);
  const key = createKey();
  const request = isSecure ? https.request : http.request;
  const protocolSet = new Set<string>();

  opts.createConnection = opts.createConnection || (isSecure ? tlsConnect : netConnect);
  opts.defaultPort = opts.defaultPort || (isSecure ? 443 : 80);
  opts.port = target.port;
  opts.host = target.host;
  const headers: Record<string, unknown> = (opts.headers = {
    ...opts.headers,
    'Sec-WebSocket-Version': opts.protocolVersion,
    'Sec-WebSocket-Key': key,
    Connection: 'Upgrade',
    Upgrade: 'websocket'
  });
  opts.path = target.path;
  opts.timeout = opts.handshakeTimeout;
  // `perMessageDeflate` is accepted but not offered: the core does not
  // implement it yet, so no Sec-WebSocket-Extensions header is sent.

  if (protocols.length) {
    for (const protocol of protocols) {
      if (typeof protocol !== 'string' || !SUBPROTOCOL.test(protocol) || protocolSet.has(protocol)) {
        throw new SyntaxError('An invalid or duplicated subprotocol was specified');
      }
      protocolSet.add(protocol);
    }
    headers['Sec-WebSocket-Protocol'] = protocols.join(',');
  }

  if (opts.origin) {
    // Version 8 (hybi-08) named the header differently.
    if (opts.protocolVersion < 13) headers['Sec-WebSocket-Origin'] = opts.origin;
    else headers.Origin = opts.origin;
  }

  if (target.auth !== undefined) opts.auth = target.auth;
  opts.socketPath = target.socketPath;

  let req: http.ClientRequest | null;

  if (opts.followRedirects) {
    if (ws._redirects === 0) {
      origin = {
        ipc: isIpc,
        secure: isSecure,
        hostOrSocketPath: isIpc ? (opts.socketPath as string) : client.url.host
      };
      // Later hops start from a copy whose header names are lower-cased.
      options = copyOptionsForRedirects(options);
    } else if (ws.listenerCount('redirect') === 0) {
      const { drop, sameHost } = credentialsDropped(origin!, {
        ipc: isIpc,
        secure: isSecure,
        host: client.url.host,
        socketPath: opts.socketPath
      });
      if (drop) {
        dropCredentials(headers as http.OutgoingHttpHeaders, sameHost);
        opts.auth = undefined;
      }
    }

    // curl 7.77.0: the first Authorization header wins. URL credentials
    // become one for the rest of the chain unless the user set one.
    const chainHeaders = (options as { headers: Record<string, unknown> }).headers;
    if (opts.auth && !chainHeaders.authorization) {
      chainHeaders.authorization = 'Basic ' + Buffer.from(opts.auth).toString('base64');
    }

    req = ws._req = request(opts as http.RequestOptions);

    if (ws._redirects) {
      // No early exit when a listener closes the WebSocket: it may also
      // have destroyed the request with an error, which needs our listener.
      ws.emit('redirect', ws.url, req);
    }
  } else {
    req = ws._req = request(opts as http.RequestOptions);
  }

  if (opts.timeout) {
    req.on('timeout', () => {
      if (req !== null) abortHandshake(ws, req, 'Opening handshake has timed out');
    });
  }

  req.on('error', (err: Error) => {
    if (req === null || abortedRequests.has(req)) return;

    req = ws._req = null;
    emitErrorAndClose(ws, err);
  });

  req.on('response', (res: http.IncomingMessage) => {
    const location = res.headers.location;
    const statusCode = res.statusCode as number;

    if (location && opts.followRedirects && statusCode >= 300 && statusCode < 400) {
      if (++ws._redirects > opts.maxRedirects) {
        abortHandshake(ws, req!, 'Maximum redirects exceeded');
        return;
      }

      req!.abort();

      let next: URL;
      try {
        next = new URL(location, address);
      } catch {
        emitErrorAndClose(ws, new SyntaxError(`Invalid URL: ${location}`));
        return;
      }

      startRequest(ws, next, protocols, options, origin);
    } else if (!ws.emit('unexpected-response', req, res)) {
      abortHandshake(ws, req!, `Unexpected server response: ${res.statusCode}`);
    }
  });

  req.on('upgrade', (res: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    ws.emit('upgrade', res);

    // A listener of 'upgrade' may have closed the WebSocket.
    if (ws.readyState !== CONNECTING) return;

    req = ws._req = null;

    const check = checkUpgradeResponse(res.headers, key, protocolSet);
    if (!check.ok) {
      abortHandshake(ws, socket, check.message);
      return;
    }

    if (check.protocol) ws._protocol = check.protocol;

    openClientConnection(ws, socket, head, opts);
  });

  if (opts.finishRequest) opts.finishRequest(req, ws);
  else req.end();

  return opts;
}

/**
 * Aborts the handshake request of a CONNECTING client (`close()` or
 * `terminate()` before the connection was established): the request is
 * aborted and its socket destroyed; the caller emits the error.
 *
 * @param req - the pending request (`ws._req`)
 */
export function abortRequest(req: http.ClientRequest): void {
  abortedRequests.add(req);
  req.abort();

  // `abort()` does not destroy the socket once the request was sent
  // (Node ≥ 14.3, websockets/ws#1869).
  if (req.socket && !req.socket.destroyed) req.socket.destroy();
}

/**
 * `ws`'s `abortHandshake`: `CLOSING`, then `'error'` with `message` and
 * `'close'`. A request is aborted (events on the next tick); a socket is
 * destroyed with the error, which it re-emits before its `'close'`.
 */
function abortHandshake(ws: WebSocket, stream: http.ClientRequest | Duplex, message: string): void {
  ws._readyState = CLOSING;

  const err = new Error(message);
  Error.captureStackTrace(err, abortHandshake);

  if (stream instanceof http.ClientRequest) {
    abortRequest(stream);
    process.nextTick(emitErrorAndClose, ws, err);
  } else {
    stream.destroy(err);
    stream.once('error', ws.emit.bind(ws, 'error'));
    stream.once('close', ws.emitClose.bind(ws));
  }
}

/** `'error'` then `'close'` for a WebSocket that never opened. */
function emitErrorAndClose(ws: WebSocket, err: Error): void {
  ws._readyState = CLOSING;
  ws._errorEmitted = true;
  ws.emit('error', err);
  ws.emitClose();
}

/** The default `createConnection` for `ws:` (and `ws+unix:`): a fresh socket, never pooled. */
function netConnect(options: net.NetConnectOpts & { socketPath?: string }): net.Socket {
  (options as net.IpcNetConnectOpts).path = options.socketPath as string;
  return net.connect(options);
}

/** The default `createConnection` for `wss:`: SNI from the host name unless it is an IP. */
function tlsConnect(options: tls.ConnectionOptions & { path?: string }): tls.TLSSocket {
  options.path = undefined;

  if (!options.servername && options.servername !== '') {
    options.servername = net.isIP(options.host as string) ? '' : options.host;
  }

  return tls.connect(options);
}
