/**
 * The package entry: shaped like `ws`'s `index.js`, so that
 * `require('uws')` is the `WebSocket` class carrying `WebSocket`,
 * `WebSocketServer`, `Server` and `createWebSocketStream`.
 *
 * Types: `import WebSocket from 'uws'` (esModuleInterop) and
 * `import { WebSocket, WebSocketServer } from 'uws'` both work, as values
 * and as types, like with `@types/ws`.
 *
 * @module
 */
import { createWebSocketStream as createStream } from './stream.js';
import {
  WebSocket as WebSocketClass,
  type RawData as RawDataType,
  type SendCallback as SendCallbackType,
  type SendOptions as SendOptionsType,
  type WebSocketOptions as WebSocketOptionsType
} from './websocket.js';
import {
  WebSocketServer as WebSocketServerClass,
  type ServerOptions as ServerOptionsType,
  type VerifyClientCallbackAsync as VerifyClientCallbackAsyncType,
  type VerifyClientCallbackSync as VerifyClientCallbackSyncType,
  type VerifyClientInfo as VerifyClientInfoType
} from './websocket-server.js';

/** The statics `ws` hangs on its exported class. */
interface PackageStatics {
  /** The class itself (`const { WebSocket } = require('uws')`). */
  WebSocket: typeof WebSocketClass;
  /** The server class. */
  WebSocketServer: typeof WebSocketServerClass;
  /** The server class, under its older name. */
  Server: typeof WebSocketServerClass;
  /** Wrap a WebSocket in a `Duplex` stream. */
  createWebSocketStream: typeof createStream;
}

const statics: PackageStatics = {
  WebSocket: WebSocketClass,
  WebSocketServer: WebSocketServerClass,
  Server: WebSocketServerClass,
  createWebSocketStream: createStream
};

/** The `WebSocket` class, with the package's other exports as statics. */
const WebSocket: typeof WebSocketClass & PackageStatics = Object.assign(WebSocketClass, statics);

/** A WebSocket connection (the instance type). */
type WebSocket = WebSocketClass;

/** The types reachable as `WebSocket.X` / named imports, as in `@types/ws`. */
declare namespace WebSocket {
  export type WebSocket = WebSocketClass;
  export type Server = WebSocketServerClass;
  export type WebSocketServer = WebSocketServerClass;
  export type RawData = RawDataType;
  export type Data = string | Buffer | ArrayBuffer | Buffer[];
  export type SendOptions = SendOptionsType;
  export type SendCallback = SendCallbackType;
  export type ClientOptions = WebSocketOptionsType;
  export type ServerOptions = ServerOptionsType;
  export type VerifyClientCallbackSync = VerifyClientCallbackSyncType;
  export type VerifyClientCallbackAsync = VerifyClientCallbackAsyncType;
  export type VerifyClientInfo = VerifyClientInfoType;
}

export = WebSocket;
