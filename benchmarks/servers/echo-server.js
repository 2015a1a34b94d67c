'use strict';

// Echo server used by the benchmarks, identical for both implementations:
//
//   node --expose-gc echo-server.js --module ws|uws --port N [--deflate]
//
// `ws` is the npm package (it picks up bufferutil and utf-8-validate by
// itself); `uws` is this repository's root package, a drop-in replacement
// exposing the same WebSocketServer. Prints one JSON line when listening:
//   {"listening":port,"module":"ws",...}
// and, when started with an IPC channel, answers {"type":"memory"} with
// {"type":"memory","rss":..,"heapUsed":..,"clients":..} after two full GCs
// (the idle-memory scenario needs numbers without collectable garbage).

const path = require('path');

const MAX_PAYLOAD = 32 * 1024 * 1024; // 16 MiB messages must pass on both

function parseArgs(argv) {
  const args = { module: null, port: 0, deflate: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--module') args.module = argv[++i];
    else if (arg === '--port') args.port = Number(argv[++i]);
    else if (arg === '--deflate') args.deflate = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  if (args.module !== 'ws' && args.module !== 'uws') {
    throw new Error('--module must be ws or uws');
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
    throw new Error('--port must be 0..65535');
  }
  return args;
}

function canLoad(name) {
  try {
    require(name);
    return true;
  } catch {
    return false;
  }
}

function loadImplementation(name) {
  if (name === 'ws') {
    const ws = require('ws');
    return { WebSocketServer: ws.WebSocketServer, version: require('ws/package.json').version };
  }
  const root = path.resolve(__dirname, '..', '..');
  const uws = require(root);
  return {
    WebSocketServer: uws.WebSocketServer,
    version: require(path.join(root, 'package.json')).version,
  };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const impl = loadImplementation(args.module);

  const wss = new impl.WebSocketServer({
    host: '127.0.0.1',
    port: args.port,
    maxPayload: MAX_PAYLOAD,
    perMessageDeflate: args.deflate,
  });

  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', (err) => process.stderr.write(`echo-server: client error: ${err.message}\n`));
  });

  wss.on('error', (err) => {
    process.stderr.write(`echo-server: ${err.stack || err}\n`);
    process.exit(1);
  });

  wss.on('listening', () => {
    const address = wss.address();
    process.stdout.write(
      JSON.stringify({
        listening: address.port,
        module: args.module,
        version: impl.version,
        deflate: args.deflate,
        // ws uses these automatically when installed; reported so the table
        // says which ws was measured.
        bufferutil: canLoad('bufferutil'),
        utf8Validate: canLoad('utf-8-validate'),
        gc: typeof global.gc === 'function',
        pid: process.pid,
      }) + '\n',
    );
  });

  process.on('message', (request) => {
    if (!request || request.type !== 'memory') return;
    if (typeof global.gc === 'function') {
      global.gc();
      global.gc();
    }
    const usage = process.memoryUsage();
    process.send({
      type: 'memory',
      rss: usage.rss,
      heapUsed: usage.heapUsed,
      external: usage.external,
      arrayBuffers: usage.arrayBuffers,
      clients: wss.clients ? wss.clients.size : -1,
    });
  });

  // The runner ends us with SIGTERM or by closing the IPC channel.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

try {
  main();
} catch (err) {
  process.stderr.write(`echo-server: cannot start (${err && err.message}):\n${err && err.stack}\n`);
  process.exit(3);
}
