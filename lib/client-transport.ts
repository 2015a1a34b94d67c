/**
 * The client's last handshake step: the socket Node's `http` client
 * upgraded is handed to the native core (adopted by fd, or fed from JS for
 * TLS and other streams) and the WebSocket opens on it — `ws`'s `setSocket`
 * for a client.
 *
 * @module
 */
import type { Duplex } from 'node:stream';

import { CLOSING } from './constants.js';
import { acceptConnection, native, type AcceptOptions } from './native.js';
import { SocketStandIn } from './socket-stand-in.js';
import { readAddresses, takeOverSocket, type TakenOverSocket } from './socket-takeover.js';
import type { WebSocket } from './websocket.js';

/** The resolved client options the connection is opened with (`ws` defaults applied). */
export interface ClientConnectionOptions {
  allowSynchronousEvents?: boolean | undefined;
  autoPong?: boolean | undefined;
  closeTimeout?: number | undefined;
  generateMask?: ((mask: Buffer) => void) | undefined;
  maxFragments?: number | undefined;
  maxPayload?: number | undefined;
  maxPendingAutoPongs?: number | undefined;
  skipUTF8Validation?: boolean | undefined;
}

/**
 * Opens `ws` on the upgraded `socket`: the core takes the connection (with
 * `head`, the bytes that came right behind the 101, which must not be
 * lost), then `'open'` is emitted, as `ws` does synchronously after
 * `'upgrade'`.
 *
 * @param ws - a CONNECTING client whose 101 response passed every check
 * @param socket - the socket of the `'upgrade'` event
 * @param head - the bytes the HTTP parser read past the response
 * @param opts - the resolved client options
 */
export function openClientConnection(
  ws: WebSocket,
  socket: Duplex,
  head: Buffer,
  opts: ClientConnectionOptions
): void {
  // Read before the takeover: an adopted socket is destroyed by it. (The
  // takeover also does `ws`'s `setTimeout(0)`/`setNoDelay()` on a fed one.)
  const standIn = new SocketStandIn(0, readAddresses(socket));
  standIn.encrypted = (socket as { encrypted?: boolean }).encrypted === true;

  let taken: TakenOverSocket;
  try {
    taken = takeOverSocket(ws, socket, head);
  } catch (err) {
    // The socket could not be taken (no fd and not a usable stream).
    failOpening(ws, socket, err as Error);
    return;
  }

  const id = taken.id;
  standIn._connectionId = id;
  if (typeof opts.generateMask === 'function') ws._generateMask = opts.generateMask;
  ws._bindConnection(id, standIn, !!opts.allowSynchronousEvents, null, taken.fed);

  const acceptOptions: AcceptOptions = {
    // The `ws` Receiver truncates these with `| 0`.
    maxPayload: opts.maxPayload! | 0,
    maxFragments: opts.maxFragments! | 0,
    skipUTF8Validation: !!opts.skipUTF8Validation,
    // With a user's generateMask, pongs are sent from JS so that it picks
    // their masks too (WebSocket#_pingArrived).
    autoPong: !!opts.autoPong && typeof opts.generateMask !== 'function',
    maxPendingAutoPongs: opts.maxPendingAutoPongs! | 0,
    closeTimeout: toTimerDelay(opts.closeTimeout),
    fragments: ws._binaryType === 'fragments',
    // The core masks what it sends and refuses masked frames.
    client: true,
    answerCloseInJs: !opts.allowSynchronousEvents
  };
  const accepted = acceptConnection(id, '', undefined, acceptOptions);

  ws._open();

  // The connection died between the takeover and the accept: what `ws`
  // shows when the socket closes right after the upgrade.
  if (!accepted) process.nextTick(connectionLost, ws);
}

/** The delay `setTimeout` would use for `value` (`ws` arms its close timer with it). */
function toTimerDelay(value: unknown): number {
  const delay = Number(value);
  return delay >= 1 && delay <= 2147483647 ? delay : 1;
}

function failOpening(ws: WebSocket, socket: Duplex, err: Error): void {
  ws._readyState = CLOSING;
  socket.destroy();
  process.nextTick(() => {
    ws._errorEmitted = true;
    ws.emit('error', err);
    ws.emitClose();
  });
}

function connectionLost(ws: WebSocket): void {
  if (ws._connected) ws._connectionEnded();
}
