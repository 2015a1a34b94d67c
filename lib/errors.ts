/**
 * The `Error` objects the `ws` surface hands to users, built with the same
 * class, `message` and `code` as `ws` 8.23 (or as Node's own streams, where
 * `ws` passes Node's errors through).
 *
 * @module
 */
import { inspect } from 'node:util';

import { READY_STATE_NAMES, kStatusCode } from './constants.js';

/** An error that carries a stable `code`, like Node's and `ws`'s errors. */
export interface CodedError extends Error {
  code: string;
}

/** A protocol error as the `ws` Receiver builds it. */
export interface ProtocolError extends CodedError {
  [kStatusCode]: number;
}

/**
 * The error of a broken frame, as the addon describes it (`ws`
 * `Receiver#createError`): a `RangeError` or an `Error` with `code` (e.g.
 * `'WS_ERR_INVALID_OPCODE'`) and the close code kept under `kStatusCode`.
 *
 * @param code - `ws`'s error code
 * @param message - the full message (the addon already adds
 *   `'Invalid WebSocket frame: '` where `ws` does)
 * @param closeCode - the status code of the close frame that was sent
 * @param isRangeError - `ws` uses `RangeError` for size/shape errors
 */
export function createProtocolError(
  code: string,
  message: string,
  closeCode: number,
  isRangeError: boolean
): ProtocolError {
  const err = (isRangeError ? new RangeError(message) : new Error(message)) as ProtocolError;
  Error.captureStackTrace(err, createProtocolError);
  err.code = code;
  err[kStatusCode] = closeCode;
  return err;
}

/**
 * `ws`'s error for an operation that needs an open connection:
 * `'WebSocket is not open: readyState 2 (CLOSING)'`.
 *
 * @param readyState - the current `readyState`
 */
export function createNotOpenError(readyState: number): Error {
  return new Error(
    `WebSocket is not open: readyState ${readyState} (${READY_STATE_NAMES[readyState]})`
  );
}

/**
 * What Node gives the callback of a write that never reached a socket which
 * was destroyed (`ERR_STREAM_DESTROYED`); `ws` passes it through to send
 * callbacks.
 */
export function createStreamDestroyedError(): CodedError {
  const err = new Error('Cannot call write after a stream was destroyed') as CodedError;
  err.code = 'ERR_STREAM_DESTROYED';
  return err;
}

/** What Node gives the callback of a write after `end()` (`ERR_STREAM_WRITE_AFTER_END`). */
export function createWriteAfterEndError(): CodedError {
  const err = new Error('write after end') as CodedError;
  err.code = 'ERR_STREAM_WRITE_AFTER_END';
  return err;
}

/**
 * Node's `ERR_SOCKET_BAD_PORT`, thrown by `listen()` for an out-of-range
 * port (the `WebSocketServer` constructor throws it, as `ws` does through
 * `http.Server#listen`).
 *
 * @param port - the rejected value
 */
export function createBadPortError(port: unknown): RangeError & { code: string } {
  const err = new RangeError(
    `options.port should be >= 0 and < 65536. Received type ${typeof port} (${inspect(port)}).`
  ) as RangeError & { code: string };
  err.code = 'ERR_SOCKET_BAD_PORT';
  return err;
}
