'use strict';

//
// Servers from the module under test running in worker_threads: each Worker
// has its own event loop, and a Worker that goes away must take its sockets
// with it without disturbing the main thread.
//

const assert = require('assert/strict');
const path = require('path');
const { once } = require('events');
const { Worker } = require('worker_threads');

const WsClient = require('ws');
const {
  cleanup,
  opened,
  startEchoServer,
  track
} = require('./helpers/server');

const WORKER_SCRIPT = path.join(__dirname, 'helpers', 'worker-server.js');

/** Waits for the next message of the given type from the worker. */
function workerMessage(worker, type) {
  return new Promise((resolve, reject) => {
    const onMessage = (msg) => {
      if (msg.type !== type) return;
      cleanupListeners();
      resolve(msg);
    };
    const onError = (err) => {
      cleanupListeners();
      reject(err);
    };
    const onExit = (code) => {
      cleanupListeners();
      reject(new Error(`worker exited with ${code} before "${type}"`));
    };
    function cleanupListeners() {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    }
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

async function startWorker() {
  const worker = new Worker(WORKER_SCRIPT, { env: process.env });
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  track({ terminate: () => worker.terminate() });
  const { port } = await workerMessage(worker, 'listening');
  return { worker, port, exited };
}

async function echo(port, text) {
  const ws = track(new WsClient(`ws://127.0.0.1:${port}`));
  await opened(ws);
  ws.send(text);
  const [data, isBinary] = await once(ws, 'message');
  assert.equal(data.toString(), text);
  assert.equal(isBinary, false);
  return ws;
}

describe('worker_threads', function () {
  this.timeout(20000);
  afterEach(cleanup);

  it('runs a server in a worker; it closes and the worker exits with code 0', async function () {
    const { worker, port, exited } = await startWorker();
    const ws = await echo(port, 'hello worker');
    const clientClosed = once(ws, 'close');

    const closed = workerMessage(worker, 'closed');
    worker.postMessage('close');
    const [code, reason] = await clientClosed;
    assert.equal(code, 1001);
    assert.equal(reason.toString(), 'worker closing');
    assert.equal((await closed).error, null);
    assert.equal(await exited, 0);
  });

  it('runs servers in several workers at once', async function () {
    const workers = await Promise.all([startWorker(), startWorker(), startWorker()]);
    const ports = new Set(workers.map((w) => w.port));
    assert.equal(ports.size, 3);
    await Promise.all(workers.map((w, i) => echo(w.port, `worker ${i}`)));
    for (const w of workers) w.worker.postMessage('close');
    assert.deepEqual(await Promise.all(workers.map((w) => w.exited)), [0, 0, 0]);
  });

  it('survives a worker calling process.exit() with open connections', async function () {
    const main = await startEchoServer();
    const mainClient = await echo(main.port, 'main before');

    const { worker, port, exited } = await startWorker();
    const clients = await Promise.all([echo(port, 'a'), echo(port, 'b')]);
    const closes = clients.map((c) => once(c, 'close'));

    worker.postMessage('exit');
    assert.equal(await exited, 0);
    for (const [code] of await Promise.all(closes)) assert.equal(code, 1006);

    // The main thread's server and its existing connection still work.
    mainClient.send('main after');
    const [data] = await once(mainClient, 'message');
    assert.equal(data.toString(), 'main after');
    await echo(main.port, 'new main client');
  });

  it('survives worker.terminate() with open connections', async function () {
    const main = await startEchoServer();
    const { worker, port, exited } = await startWorker();
    const client = await echo(port, 'x');
    const closed = once(client, 'close');

    // Traffic in flight while the worker dies.
    for (let i = 0; i < 100; i++) client.send(`in flight ${i}`);
    await worker.terminate();
    assert.equal(await exited, 1);
    const [code] = await closed;
    assert.equal(code, 1006);

    await echo(main.port, 'main still fine');

    // The worker's port is free again.
    const late = track(new WsClient(`ws://127.0.0.1:${port}`));
    const [err] = await once(late, 'error');
    assert.equal(err.code, 'ECONNREFUSED');
  });
});
