/**
 * Values shared by the `ws` surface, with the same meaning as in `ws` 8.23
 * (`lib/constants.js`), plus the symbols through which our own modules talk
 * to each other without import cycles.
 *
 * @module
 */

/** Whether the runtime has a global `Blob` (Node ≥ 18 always does). */
export const hasBlob: boolean = typeof Blob !== 'undefined';

/**
 * The accepted values of `WebSocket#binaryType`, in `ws` order; the first
 * one is the default. `'blob'` only where `Blob` exists, as in `ws`.
 */
export const BINARY_TYPES: readonly string[] = hasBlob
  ? ['nodebuffer', 'arraybuffer', 'fragments', 'blob']
  : ['nodebuffer', 'arraybuffer', 'fragments'];

/** The form in which a binary message is handed to `'message'` listeners. */
export type BinaryType = 'nodebuffer' | 'arraybuffer' | 'fragments' | 'blob';

/** Default milliseconds to wait for the closing handshake (`closeTimeout`). */
export const CLOSE_TIMEOUT = 30000;

/** Default milliseconds a connection may take to send its upgrade request (ours). */
export const HANDSHAKE_TIMEOUT = 60000;

/** The shared empty buffer (`ws` hands out this very object for empty payloads). */
export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);

/** The GUID of RFC 6455 used to compute `Sec-WebSocket-Accept`. */
export const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Names of the ready states, indexed by their value. */
export const READY_STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const;

/** `readyState` values. */
export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;

/** Frame opcodes passed to the addon's `send`. */
export const OPCODE_CONTINUATION = 0x00;
export const OPCODE_TEXT = 0x01;
export const OPCODE_BINARY = 0x02;
export const OPCODE_PING = 0x09;
export const OPCODE_PONG = 0x0a;

/**
 * The close status code of a protocol error, kept on the error object under
 * this key as `ws` does (`err[kStatusCode]`); not part of the public API.
 */
export const kStatusCode: unique symbol = Symbol('status-code');

/**
 * Method of a listener's owner (the `WebSocketServer`) that the native
 * `onUpgrade` callback calls; a symbol so the callback module does not have
 * to import the server.
 */
export const kHandleUpgrade: unique symbol = Symbol('kHandleUpgrade');

/**
 * Method of a `WebSocket`'s owner that is told when the connection is gone
 * (the `'close'` event was emitted), so a server can count its connections.
 */
export const kConnectionClosed: unique symbol = Symbol('kConnectionClosed');

/**
 * Method of the owner of a connection whose upgrade is still being decided
 * in JS (the server), called once when that connection is ended or
 * destroyed before it became a WebSocket.
 */
export const kHandshakeEnded: unique symbol = Symbol('kHandshakeEnded');

/** A function that does nothing. */
export const NOOP = (): void => {};
