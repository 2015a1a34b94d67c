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
import type { IncomingMessage } from 'node:http';

import type {
  CloseEvent as CloseEventClass,
  ErrorEvent as ErrorEventClass,
  Event as EventClass,
  MessageEvent as MessageEventClass
} from './event-target.js';
import { createWebSocketStream as createStream } from './stream.js';
import {
  WebSocket as WebSocketClass,
  type CertMeta as CertMetaType,
  type ClientOptions as ClientOptionsType,
  type EventListenerOptions as EventListenerOptionsType,
  type FinishRequestCallback as FinishRequestCallbackType,
  type PerMessageDeflateOptions as PerMessageDeflateOptionsType,
  type RawData as RawDataType,
  type SendCallback as SendCallbackType,
  type SendOptions as SendOptionsType,
  type WebSocketEventMap as WebSocketEventMapType
} from './websocket.js';
import {
  WebSocketServer as WebSocketServerClass,
  type AddressInfo as AddressInfoType,
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

/** The types reachable as `WebSocket.X` and as named imports, as in `@types/ws`. */
declare namespace WebSocket {
  export type WebSocket = WebSocketClass;
  export type Server<
    T extends typeof WebSocketClass = typeof WebSocketClass,
    U extends typeof IncomingMessage = typeof IncomingMessage
  > = WebSocketServerClass<T, U>;
  export type WebSocketServer<
    T extends typeof WebSocketClass = typeof WebSocketClass,
    U extends typeof IncomingMessage = typeof IncomingMessage
  > = WebSocketServerClass<T, U>;
  export type RawData = RawDataType;
  export type Data = string | Buffer | ArrayBuffer | Buffer[];
  export type CertMeta = CertMetaType;
  export type SendOptions = SendOptionsType;
  export type SendCallback = SendCallbackType;
  export type ClientOptions = ClientOptionsType;
  export type PerMessageDeflateOptions = PerMessageDeflateOptionsType;
  export type FinishRequestCallback = FinishRequestCallbackType;
  export type ServerOptions<
    T extends typeof WebSocketClass = typeof WebSocketClass,
    U extends typeof IncomingMessage = typeof IncomingMessage
  > = ServerOptionsType<T, U>;
  export type AddressInfo = AddressInfoType;
  export type VerifyClientInfo<Request extends IncomingMessage = IncomingMessage> =
    VerifyClientInfoType<Request>;
  export type VerifyClientCallbackSync<Request extends IncomingMessage = IncomingMessage> =
    VerifyClientCallbackSyncType<Request>;
  export type VerifyClientCallbackAsync<Request extends IncomingMessage = IncomingMessage> =
    VerifyClientCallbackAsyncType<Request>;
  export type Event = EventClass<WebSocketClass>;
  export type ErrorEvent = ErrorEventClass<WebSocketClass>;
  export type CloseEvent = CloseEventClass<WebSocketClass>;
  export type MessageEvent = MessageEventClass<WebSocketClass>;
  export type WebSocketEventMap = WebSocketEventMapType;
  export type EventListenerOptions = EventListenerOptionsType;
}

export = WebSocket;
