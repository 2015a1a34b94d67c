/**
 * Hands a socket that Node opened (the `upgrade` socket of an `http.Server`,
 * or the client's socket after Node's HTTP handshake) to the native core.
 *
 * Two transports, one core (see "Transports" in DESIGN.md):
 * - **adopted**: a plain TCP `net.Socket` whose file descriptor the core
 *   duplicates and polls itself; Node's socket object is then destroyed
 *   (closing Node's copy of the fd does not close the connection).
 * - **fed**: anything else (a `TLSSocket`, whose `SSL*` Node-API cannot
 *   reach; any `Duplex`; Windows). The stream stays; its bytes are fed to
 *   the core and the core's output is written back to it.
 *
 * Either way no byte may be lost: `head` (what Node's HTTP parser read
 * behind the request) and whatever the stream buffered since (while an
 * async `verifyClient` waited, say) go first, in that order.
 *
 * @module
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';

import { createStreamDestroyedError } from './errors.js';
import { native, type ConnectionAddresses } from './native.js';

/** What the core needs to run a WebSocket over a socket Node opened. */
export interface TakenOverSocket {
  /** The addon's connection id; `native.accept` makes it a WebSocket. */
  id: number;
  /** The stream carrying a fed connection; `null` when the fd was adopted. */
  fed: FedTransport | null;
}

/** The JS side of a fed connection: the stream that carries the bytes. */
export interface FedTransport {
  /** The stream the core's bytes are written to and read from. */
  readonly stream: Duplex;
  /** Bytes written to the stream and not yet flushed by it. */
  bufferedAmount(): number;
  /** Stop reading (the core has no fd of its own to stop polling). */
  pause(): void;
  /** Read again after `pause()`. */
  resume(): void;
  /**
   * The callback of the frame being sent, set around `native.send`: the
   * core writes a fed connection's frames to the stream at once (never
   * corked), so the callback rides on that stream write and fires when the
   * stream has written it, as `ws`'s does on its socket.
   */
  writeCallback: ((err?: Error) => void) | null;
}

/** The parts of a `net.Socket`'s private libuv handle this module relies on. */
interface StreamHandle {
  fd?: number;
  readStop?: () => number;
  readStart?: () => number;
  /** Node's belief that the handle reads (`net.Socket#_read` starts it only when false). */
  reading?: boolean;
}

/**
 * Hands `socket` to the core: a plain TCP socket (net.Socket with
 * `_handle.fd >= 0`, not a TLSSocket, not Windows) is adopted — its fd
 * duplicated natively (`native.adopt(owner, fd, leftover)`), Node's socket
 * then destroyed; any other Duplex (TLSSocket from https.Server, a test
 * double) stays and is fed (`native.createFed(owner, transport, leftover)` +
 * 'data'→`native.feed`, 'end'→`native.feedEnd`, 'close'→`native.feedClosed`,
 * error → destroy). `leftover` = `head` followed by everything the socket
 * already buffered (drained with `socket.read()` until null, THEN
 * `socket._handle.readStop()` — reading may restart reading, so it stops
 * after draining). The returned id is not yet a WebSocket: call
 * `native.accept(id, response101, options)` next.
 *
 * @param owner - the async resource the connection's callbacks run under
 *   (the server, or the client WebSocket)
 * @param socket - the socket of the upgrade, not yet read from by anyone
 * @param head - bytes Node read behind the HTTP head
 */
export function takeOverSocket(owner: object, socket: Duplex, head: Buffer): TakenOverSocket {
  const fd = adoptableFd(socket);
  // Drain first: `read()` may call `_read`, which restarts reading on the
  // handle; stopping it afterwards leaves everything unread in the kernel,
  // where the duplicated fd finds it.
  const leftover = drainReadable(socket, head);

  if (fd >= 0) {
    const handle = (socket as unknown as { _handle: StreamHandle })._handle;
    (handle.readStop as () => number)();
    // Cache the addresses on the socket (Node memoizes them): `req.socket`
    // is still read by users after its handle is gone.
    readAddresses(socket);

    let id = -1;
    try {
      id = native.adopt(owner, fd, leftover);
    } catch {
      // The fd could not be duplicated (EMFILE, say): Node's socket still
      // works, so it carries the connection instead. Undo our readStop
      // where Node believes its handle reads (it would not start it again).
      if (handle.reading === true) (handle.readStart as () => number)();
    }
    if (id !== -1) {
      // Our duplicate keeps the connection open; Node's copy goes. Node's
      // server stops counting the socket here.
      socket.destroy();
      return { id, fed: null };
    }
  }

  const transport = new StreamTransport(socket);
  const id = native.createFed(owner, transport, leftover);
  feedFrom(socket, id);
  return { id, fed: transport };
}

/**
 * Reads `socket`'s addresses. Call it before `takeOverSocket`: an adopted
 * socket has no handle left to ask afterwards (Node keeps what was read).
 * Streams that are not sockets give `undefined`s, as their properties do.
 */
export function readAddresses(socket: Duplex): ConnectionAddresses {
  const s = socket as Partial<Socket>;
  return {
    remoteAddress: s.remoteAddress,
    remotePort: s.remotePort,
    remoteFamily: s.remoteFamily,
    localAddress: s.localAddress,
    localPort: s.localPort
  };
}

/**
 * The fd to duplicate, or -1 when the socket must be fed: TLS (the bytes
 * on the fd are ciphertext), Windows (no fds), anything without a live
 * libuv stream handle, and sockets with writes still queued in Node (they
 * would be lost with Node's socket).
 */
function adoptableFd(socket: Duplex): number {
  if (process.platform === 'win32') return -1;
  if (!(socket instanceof Socket) || socket instanceof TLSSocket) return -1;
  if (socket.destroyed || socket.writableLength !== 0 || socket.writableCorked !== 0) return -1;

  const handle = (socket as unknown as { _handle: StreamHandle | null })._handle;
  if (handle === null || typeof handle.readStop !== 'function') return -1;
  const fd = handle.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

/** `head`, then everything the stream has buffered, as one Buffer. */
function drainReadable(socket: Duplex, head: Buffer): Buffer {
  const chunks: Buffer[] = head.length === 0 ? [] : [head];

  let chunk: unknown;
  while ((chunk = socket.read()) !== null) {
    // Only a user's `setEncoding` makes chunks strings.
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  }

  if (chunks.length === 0) return head;
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/** Connects the stream's events to the core's fed connection `id`. */
function feedFrom(stream: Duplex, id: number): void {
  // ws does the same to an upgraded socket: no idle timeout, no Nagle.
  const socket = stream as Partial<Socket>;
  if (typeof socket.setTimeout === 'function') socket.setTimeout(0);
  if (typeof socket.setNoDelay === 'function') socket.setNoDelay();

  stream.on('data', (chunk: Buffer | string) => {
    native.feed(id, Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  });
  stream.on('end', () => {
    native.feedEnd(id);
  });
  stream.on('close', () => {
    native.feedClosed(id);
  });
  // 'close' follows and tells the core; the error itself has no reader (ws
  // too only destroys the socket on error).
  stream.on('error', onStreamError);

  // Closed before we listened (a 'headers' listener destroyed it, say):
  // 'close' will not come again.
  if (stream.closed) process.nextTick(feedClosedLater, id);
}

function onStreamError(this: Duplex): void {
  this.destroy();
}

function feedClosedLater(id: number): void {
  native.feedClosed(id);
}

/** The `FedTransport` of a Duplex stream. */
class StreamTransport implements FedTransport {
  readonly stream: Duplex;
  writeCallback: ((err?: Error) => void) | null = null;

  constructor(stream: Duplex) {
    this.stream = stream;
  }

  bufferedAmount(): number {
    return this.stream.writableLength;
  }

  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }
}

// ---------------------------------------------------------------------------
// The addon's transport callbacks (registered by `websocket.ts`). `transport`
// is always a `FedTransport` given to `native.createFed`.
// ---------------------------------------------------------------------------

/** `onTransportWrite`: core output for a fed connection. */
export function onTransportWrite(transport: object, data: Buffer): void {
  const fed = transport as FedTransport;
  const stream = fed.stream;
  const callback = fed.writeCallback;
  fed.writeCallback = null;
  if (!stream.destroyed && !stream.writableEnded) {
    // The callback gets what the stream gives it (null, or the error), as
    // ws's callbacks get what its socket gives.
    if (callback !== null) stream.write(data, callback as (err?: Error | null) => void);
    else stream.write(data);
  } else if (callback !== null) {
    // What a write to a destroyed Node socket gives its callback.
    process.nextTick(callback, createStreamDestroyedError());
  }
}

/** `onTransportEnd`: the core's FIN for a fed connection. */
export function onTransportEnd(transport: object): void {
  (transport as FedTransport).stream.end();
}

/** `onTransportDestroy`: the core closed a fed connection at once. */
export function onTransportDestroy(transport: object): void {
  (transport as FedTransport).stream.destroy();
}
