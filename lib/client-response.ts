/**
 * The checks a client makes on the server's `101 Switching Protocols`
 * response, in `ws` 8.23's order and with its messages.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

import { GUID } from './constants.js';

/** A fresh `Sec-WebSocket-Key` (16 random bytes, base64). */
export function createKey(): string {
  return randomBytes(16).toString('base64');
}

/** The `Sec-WebSocket-Accept` a server must answer `key` with. */
export function acceptFor(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** The outcome of `checkUpgradeResponse`. */
export type UpgradeCheck =
  | { ok: true; /** The chosen subprotocol (`''`: none). */ protocol: string }
  | { ok: false; /** `ws`'s error message. */ message: string };

/**
 * Validates a 101 response to a request made with `key` and `protocols`.
 * No extension is ever offered (permessage-deflate is not implemented), so
 * any `Sec-WebSocket-Extensions` header is refused the way `ws` refuses it
 * when it offered none.
 *
 * @param headers - the response's headers (`IncomingMessage#headers`)
 * @param key - the request's `Sec-WebSocket-Key`
 * @param protocols - the subprotocols the request offered
 */
export function checkUpgradeResponse(
  headers: IncomingHttpHeaders,
  key: string,
  protocols: ReadonlySet<string>
): UpgradeCheck {
  const upgrade = headers.upgrade;
  if (upgrade === undefined || upgrade.toLowerCase() !== 'websocket') {
    return { ok: false, message: 'Invalid Upgrade header' };
  }

  if (headers['sec-websocket-accept'] !== acceptFor(key)) {
    return { ok: false, message: 'Invalid Sec-WebSocket-Accept header' };
  }

  const protocol = headers['sec-websocket-protocol'];

  if (protocol !== undefined) {
    if (protocols.size === 0) {
      return { ok: false, message: 'Server sent a subprotocol but none was requested' };
    }
    if (!protocols.has(protocol)) {
      return { ok: false, message: 'Server sent an invalid subprotocol' };
    }
  } else if (protocols.size !== 0) {
    return { ok: false, message: 'Server sent no subprotocol' };
  }

  if (headers['sec-websocket-extensions'] !== undefined) {
    return { ok: false, message: 'Server sent a Sec-WebSocket-Extensions header but no extension was requested' };
  }

  // `ws` keeps an empty header value as "no subprotocol" too.
  return { ok: true, protocol: protocol || '' };
}
