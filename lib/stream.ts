/**
 * `createWebSocketStream()`: a `WebSocket` as a Node.js `Duplex`, with the
 * behaviour of `ws` 8.23 (`lib/stream.js`).
 *
 * Reading yields the received messages (one `push` per message); writing
 * sends each chunk as one message. The stream pauses the WebSocket when the
 * readable buffer is full and resumes it when the consumer reads again.
 *
 * Unlike `ws`, which watches the private `ws._socket` to know when its side
 * of the connection is finished, this uses only the public WebSocket API: a
 * native connection has no Node socket to watch. See `_final` below.
 *
 * @module
 */

import { Duplex, type DuplexOptions } from 'node:stream';

/** A received message, as the WebSocket's `'message'` event delivers it. */
type ReceivedData = Buffer | ArrayBuffer | Buffer[] | Blob;

/**
 * The part of the `WebSocket` API the stream uses: the public events,
 * methods, `readyState` and the instance state constants. Declared here so
 * that any `ws`-compatible WebSocket (ours or `ws`'s own) can be wrapped.
 */
export interface WebSocketLike {
  readonly readyState: number;
  readonly CONNECTING: number;
  readonly CLOSED: number;
  /** Whether `pause()` is in effect. */
  readonly isPaused: boolean;

  on(event: 'message', listener: (data: ReceivedData, isBinary: boolean) => void): unknown;
  once(event: 'open', listener: () => void): unknown;
  once(event: 'close', listener: () => void): unknown;
  once(event: 'error', listener: (err: Error) => void): unknown;

  send(data: Buffer | string, cb: (err?: Error) => void): void;
  close(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
}

/** Emit `'close'` on a stream (the Duplex is built with `emitClose: false`). */
function emitClose(stream: Duplex): void {
  stream.emit('close');
}

/**
 * `'end'` listener: once both sides are done, destroy the stream (which
 * emits `'close'`), since `autoDestroy` is off.
 */
function duplexOnEnd(this: Duplex): void {
  if (!this.destroyed && this.writableFinished) {
    this.destroy();
  }
}

/**
 * `'error'` listener: destroy the stream on the first error, and re-emit the
 * error if the user has no listener of their own, so an unhandled stream
 * error still throws as usual.
 */
function duplexOnError(this: Duplex, err: Error): void {
  this.removeListener('error', duplexOnError);
  this.destroy();
  if (this.listenerCount('error') === 0) {
    this.emit('error', err);
  }
}

/**
 * Wrap a `WebSocket` in a `Duplex` stream.
 *
 * - Reading: each message is pushed as is (a `Buffer`, or per `binaryType`);
 *   with `readableObjectMode: true`, text messages are pushed as strings.
 *   When `push()` returns `false` the WebSocket is paused; `_read()` resumes
 *   it. The WebSocket's `'close'` ends the readable side.
 * - Writing: each chunk is sent as one message (after `'open'` if the
 *   WebSocket is still connecting). `end()` starts the closing handshake and
 *   `'finish'` follows once the connection is closed.
 * - `destroy()` terminates the connection, or waits for it to close when
 *   the WebSocket itself reported an error (it is already closing then).
 * - `'close'` is emitted on the stream after the WebSocket has closed.
 *
 * `objectMode` and `writableObjectMode` are forced off; `autoDestroy` and
 * `emitClose` are handled here. `allowHalfOpen` keeps the `Duplex` default
 * (`true`) unless given, as in `ws`.
 *
 * @param ws - the WebSocket to wrap
 * @param options - options for the `Duplex` constructor
 * @returns the duplex stream
 */
export function createWebSocketStream(ws: WebSocketLike, options?: DuplexOptions): Duplex {
  // Whether `duplex.destroy()` should terminate the connection; see the
  // `'error'` listener.
  let terminateOnDestroy = true;

  // `ws` gives up on `end()` when a client never got a socket (its handshake
  // failed) and waits for the `'error'` that follows. Without `_socket`, a
  // WebSocket that was connecting when wrapped and never opened is that case.
  let hasConnected = ws.readyState !== ws.CONNECTING;

  // The pending `_final` callback, called when the WebSocket closes.
  let finishWhenClosed: (() => void) | null = null;

  const duplex: Duplex = new Duplex({
    ...options,
    autoDestroy: false,
    emitClose: false,
    objectMode: false,
    writableObjectMode: false,

    read(): void {
      if (ws.isPaused) ws.resume();
    },

    write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
      writeChunk(chunk, callback);
    },

    final(callback: (err?: Error | null) => void): void {
      finalize(callback);
    },

    destroy(err: Error | null, callback: (err: Error | null) => void): void {
      if (ws.readyState === ws.CLOSED) {
        callback(err);
        process.nextTick(emitClose, duplex);
        return;
      }

      let called = false;

      ws.once('error', function error(wsErr: Error) {
        called = true;
        callback(wsErr);
      });

      ws.once('close', function close() {
        if (!called) callback(err);
        process.nextTick(emitClose, duplex);
      });

      if (terminateOnDestroy) ws.terminate();
    }
  });

  /** `_write`: send the chunk, after `'open'` if still connecting. */
  function writeChunk(chunk: Buffer | string, callback: (err?: Error | null) => void): void {
    if (ws.readyState === ws.CONNECTING) {
      ws.once('open', function open() {
        writeChunk(chunk, callback);
      });
      return;
    }

    ws.send(chunk, callback);
  }

  /**
   * `_final`: close the connection, and finish the writable side once it is
   * closed. `ws` finishes when its TCP socket has finished (both close
   * frames exchanged, FIN sent), just before the WebSocket's `'close'`; the
   * public API offers only `'close'`, and the `'close'` listener below calls
   * this callback before ending the readable side, so `'finish'` still comes
   * before `'end'` and `'end'` destroys the stream, as in `ws`.
   */
  function finalize(callback: () => void): void {
    if (ws.readyState === ws.CONNECTING) {
      ws.once('open', function open() {
        finalize(callback);
      });
      return;
    }

    if (!hasConnected) return;

    if (ws.readyState === ws.CLOSED) {
      callback();
      if (duplex.readableEnded) duplex.destroy();
      return;
    }

    finishWhenClosed = callback;
    ws.close();
  }

  ws.once('open', function open() {
    hasConnected = true;
  });

  ws.on('message', function message(msg: ReceivedData, isBinary: boolean) {
    const data = !isBinary && duplex.readableObjectMode ? msg.toString() : msg;

    if (!duplex.push(data)) ws.pause();
  });

  ws.once('error', function error(err: Error) {
    if (duplex.destroyed) return;

    // `ws` closes the connection itself when it emits an error on an open
    // WebSocket (sending a close frame if it can); terminating right after
    // would cut that frame off. Before `'open'`, there is nothing to
    // terminate. So `destroy()` just waits for `'close'`.
    terminateOnDestroy = false;
    duplex.destroy(err);
  });

  ws.once('close', function close() {
    const finish = finishWhenClosed;
    finishWhenClosed = null;
    if (finish !== null) finish();

    if (duplex.destroyed) return;

    duplex.push(null);
  });

  duplex.on('end', duplexOnEnd);
  duplex.on('error', duplexOnError);
  return duplex;
}
