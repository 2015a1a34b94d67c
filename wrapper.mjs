// ESM entry of uws, shaped like ws's wrapper.mjs: named exports plus the
// WebSocket class as the default export.
import WebSocket from './dist/index.js';

const { WebSocketServer, createWebSocketStream } = WebSocket;

export { createWebSocketStream, WebSocket, WebSocketServer };

export default WebSocket;
