'use strict';

//
// Connected peers for compat scenarios: the ways a scenario gets a client
// and / or a server-side socket of the module under test talking to each
// other or to a raw (frame-level) peer. Every server-side socket is watched
// on the 'server' channel; clients are watched on 'client' by `t.client()`.
//

/**
 * A client and a server of the module under test, connected. Resolves with
 * `{ wss, ws, sws, url }` once the server has the connection and (unless
 * `awaitOpen` is false) the client has emitted `open`.
 */
async function pair(t, serverOptions, clientOptions, { protocols, awaitOpen = true } = {}) {
  const { wss, url } = await t.server(serverOptions);
  const conn = t.connection(wss);
  const ws = t.client(url, protocols, clientOptions);
  if (awaitOpen) await t.opened(ws);
  const [sws] = await conn;
  t.watch(sws, 'server');
  return { wss, ws, sws, url };
}

/** `pair()` that resolves as soon as the server has the connection (the client may still be CONNECTING). */
function pairBeforeOpen(t, serverOptions, clientOptions) {
  return pair(t, serverOptions, clientOptions, { awaitOpen: false });
}

/** A client of the module under test against a raw peer that completed the handshake. */
async function clientWithRawPeer(t, options) {
  const got = t.deferred();
  const { url } = await t.rawWsServer((peer) => got.resolve(peer));
  const ws = t.client(url, undefined, options);
  await t.opened(ws);
  return { ws, peer: await got };
}

/** Connects a raw client to `wss` (listening on `port`); resolves with `{ sws, peer }`. */
async function acceptRawClient(t, wss, port) {
  const conn = t.connection(wss);
  const peer = await t.rawClient(port);
  const [sws] = await conn;
  t.watch(sws, 'server');
  return { sws, peer };
}

/** A server-side socket of the module under test with a raw client peer. */
async function serverWithRawPeer(t, options) {
  const { wss, port } = await t.server(options);
  return acceptRawClient(t, wss, port);
}

module.exports = { pair, pairBeforeOpen, clientWithRawPeer, acceptRawClient, serverWithRawPeer };
