/**
 * Builds the `req` that `'connection'`, `verifyClient`, `'headers'` and
 * `'wsClientError'` receive: a real `http.IncomingMessage`, so
 * `req instanceof http.IncomingMessage` holds and Node itself derives
 * `req.headers` (lazily, from `rawHeaders`, with its duplicate-header rules)
 * exactly as for a request its own parser read.
 *
 * Cost, measured on Node 20 (x64): about 0.1 µs to build and ~0.9 KB of heap
 * per request while the user keeps it; reading `req.headers` adds ~0.15 µs
 * the first time. Ending the body stream eagerly (`push(null)`, as Node's
 * parser does) would cost ~0.6 µs more per connection through the ticks it
 * schedules, so the body is ended on the first read instead.
 *
 * `req.rawHeaders` is split (from the addon's one string) on first read, as
 * Node builds `req.headers` on first read. `req.socket` (and
 * `req.connection`, which reads it) is made on first read too: a WebSocket
 * whose socket nobody asked for keeps no socket stand-in (72 bytes of its
 * idle cost), and the addon reports no addresses per connection. Whoever
 * asks first, `req.socket` or `ws._socket`, makes the one both return.
 *
 * @module
 */
import { IncomingMessage } from 'node:http';

import { kHandshakeEnded } from './constants.js';
import type { UpgradeRequest } from './native.js';
import { standInOf, type HandshakeOwner, type SocketStandIn } from './socket-stand-in.js';

/** What the request needs of the WebSocket it became (`ws._socket` makes the stand-in on demand). */
interface UpgradedWebSocket {
  readonly _socket: SocketStandIn | null;
}

// Own properties of an upgrade request of the own listener (symbols: they
// are not `IncomingMessage`'s and must not clash with a user's).
/** The stand-in once made, else null. */
const kSocket = Symbol('uws:socket');
/** The addon's connection id. */
const kConnectionId = Symbol('uws:connection-id');
/** The server, until the handshake is resolved; told if the stand-in ends the connection first. */
const kHandshakeOwner = Symbol('uws:handshake-owner');
/**
 * The WebSocket the request became, which then owns the stand-in; null if
 * the handshake ended without one, undefined while it is not resolved.
 */
const kWebSocket = Symbol('uws:websocket');
/** `rawHeaders`: the addon's NUL-separated string until first read, then the array. */
const kRawHeaders = Symbol('uws:raw-headers');

/**
 * What `createIncomingRequest` gives Node's `_addHeaderLines`, which stores
 * it as `rawHeaders` (the setter below keeps the string instead) and needs
 * only its `length` to be non-zero.
 */
const RAW_HEADERS_PENDING: readonly string[] = Object.freeze(['']);

/**
 * Whether `rawHeaders` stay a string until read: Node's `_addHeaderLines`
 * must store what it is given as `rawHeaders` and read only its length.
 * Checked once when this module loads (see the end of it); a Node version
 * that reads them at once gets them split at once.
 */
let lazyRawHeaders = true;

interface LazySocketRequest extends IncomingMessage {
  /** The (underscored, long-standing) method of `IncomingMessage` that Node's HTTP parser calls. */
  _addHeaderLines(headers: string[], count: number): void;
  /** Set by Node's server for upgrade requests; not in @types/node's class. */
  upgrade: boolean;
  [kSocket]: SocketStandIn | null;
  [kConnectionId]: number;
  [kHandshakeOwner]: HandshakeOwner | null;
  [kWebSocket]: UpgradedWebSocket | null | undefined;
  [kRawHeaders]: string | string[];
}

/**
 * `IncomingMessage` with `socket` made on first read. An accessor on this
 * prototype rather than an own property: Node's constructor assigns
 * `this.socket`, which lands in the setter.
 */
class UpgradeIncomingMessage extends IncomingMessage {}

Object.defineProperty(UpgradeIncomingMessage.prototype, 'socket', {
  configurable: true,
  enumerable: true,
  get(this: LazySocketRequest): SocketStandIn | null {
    let socket = this[kSocket];
    if (socket === null) {
      const ws = this[kWebSocket];
      if (ws) {
        socket = ws._socket;
      } else {
        // Unresolved: the owner is told if this stand-in ends the connection
        // (once: a stand-in made again after `req.socket = null` is not).
        // Resolved without a WebSocket: the connection is gone.
        socket = standInOf(this[kConnectionId], ws === undefined);
        socket._handshakeOwner = this[kHandshakeOwner];
        this[kHandshakeOwner] = null;
      }
      this[kSocket] = socket;
    }
    return socket;
  },
  set(this: LazySocketRequest, value: SocketStandIn | null | undefined) {
    this[kSocket] = value ?? null;
  }
});

Object.defineProperty(UpgradeIncomingMessage.prototype, 'rawHeaders', {
  configurable: true,
  enumerable: true,
  get(this: LazySocketRequest): string[] {
    const raw = this[kRawHeaders];
    if (typeof raw !== 'string') return raw;
    return (this[kRawHeaders] = raw === '' ? [] : raw.split('\0'));
  },
  set(this: LazySocketRequest, value: string[]) {
    if (value !== RAW_HEADERS_PENDING) this[kRawHeaders] = value;
  }
});

/**
 * The request of a WebSocket upgrade that the own listener read.
 *
 * @param request - what the addon parsed
 * @param connectionId - the addon's id of the connection
 * @param owner - told (once) if `req.socket` ends the connection before the handshake is resolved
 */
export function createIncomingRequest(
  request: UpgradeRequest,
  connectionId: number,
  owner: HandshakeOwner
): IncomingMessage {
  // The constructor wants a `net.Socket`; given none, it leaves the
  // stream's high-water mark at Node's default, as `net.Socket` does.
  const req = new UpgradeIncomingMessage(undefined as never) as unknown as LazySocketRequest;
  req[kConnectionId] = connectionId;
  req[kHandshakeOwner] = owner;
  req[kWebSocket] = undefined;
  req[kRawHeaders] = request.rawHeaders;
  const version = request.httpVersion;

  req.method = request.method;
  req.url = request.url;
  req.httpVersion = version;
  req.httpVersionMajor = version.charCodeAt(0) - 48;
  req.httpVersionMinor = version.charCodeAt(2) - 48;
  // Node's parser hands the headers over this way; it records their count,
  // which the lazy `headers` getter needs (setting `rawHeaders` alone would
  // leave `req.headers` empty). Must come before `complete` is set, or they
  // would be taken for trailers.
  if (lazyRawHeaders) {
    req._addHeaderLines(RAW_HEADERS_PENDING as string[], request.rawHeaderCount);
  } else {
    req._addHeaderLines(req.rawHeaders, request.rawHeaderCount);
  }
  req.complete = true;
  req.upgrade = true;
  // An upgrade request has no body: the stream ends as soon as it is read.
  req._read = endOnFirstRead;

  return req;
}

/** The request's stand-in if something made it already; null if nobody asked for `req.socket`. */
export function madeSocketOf(req: IncomingMessage): SocketStandIn | null {
  return (req as LazySocketRequest)[kSocket];
}

/**
 * The handshake is resolved: `req.socket` is `ws._socket` from now on, or,
 * without a WebSocket (the connection was gone), a stand-in of a closed
 * connection that tells nobody.
 *
 * @param req - a request made by `createIncomingRequest`
 * @param ws - the WebSocket that took the connection, or null
 */
export function resolveIncomingRequest(req: IncomingMessage, ws: UpgradedWebSocket | null): void {
  const lazy = req as LazySocketRequest;
  lazy[kHandshakeOwner] = null;
  lazy[kWebSocket] = ws;
}

/** `_read` of an upgrade request: there is no body, so end the stream. */
function endOnFirstRead(this: IncomingMessage): void {
  this.push(null);
}

/** One request with one header, made the lazy way: do its headers come out right? */
function rawHeadersStayLazy(): boolean {
  const probe = createIncomingRequest(
    { method: 'GET', url: '/', httpVersion: '1.1', rawHeaders: 'X-Probe\0yes', rawHeaderCount: 2 },
    0,
    { [kHandshakeEnded]() {} }
  );
  return probe.headers['x-probe'] === 'yes' && probe.rawHeaders.length === 2;
}

lazyRawHeaders = rawHeadersStayLazy();
