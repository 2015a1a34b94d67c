'use strict';

// The benchmark scenarios: what the load generator is asked to do, and
// which numbers each one reports. Each run gets a fresh server process.

const { runLoadgen } = require('./loadgen-process');

const MiB = 1024 * 1024;
const IDLE_CONNECTIONS = 10000;

// Metric descriptions. `better` tells which direction wins; ratios in the
// report are always uws/ws.
const metric = {
  messagesPerSec: { key: 'messagesPerSec', label: 'messages/s', better: 'higher', digits: 0 },
  cpuPerMessage: { key: 'cpuUsPerMessage', label: 'server CPU µs/message', better: 'lower', digits: 2 },
  connectionsPerSec: { key: 'connectionsPerSec', label: 'connections/s', better: 'higher', digits: 0 },
  cpuPerConnection: { key: 'cpuUsPerConnection', label: 'server CPU µs/connection', better: 'lower', digits: 1 },
  rssPerConnection: { key: 'rssBytesPerConnection', label: 'RSS bytes/idle connection', better: 'lower', digits: 0 },
  heapPerConnection: { key: 'heapBytesPerConnection', label: 'JS heap bytes/idle connection', better: 'lower', digits: 0 },
  megabytesPerSec: { key: 'megabytesPerSec', label: 'MB/s echoed (10^6 B)', better: 'higher', digits: 1 },
  cpuPerHugeMessage: { key: 'cpuMsPerMessage', label: 'server CPU ms/message', better: 'lower', digits: 2 },
};

// Echo of 32-byte text messages: throughput and server CPU per message.
function textEcho(id, title, { connections, inFlight }) {
  return {
    id,
    title,
    kind: 'echo',
    load: { connections, inFlight, size: 32 },
    metrics: [metric.messagesPerSec, metric.cpuPerMessage],
  };
}

const SCENARIOS = [
  textEcho('echo-1', 'echo 32 B text, 1 connection', { connections: 1, inFlight: 1 }),
  textEcho('echo-100', 'echo 32 B text, 100 connections', { connections: 100, inFlight: 1 }),
  textEcho('echo-1000', 'echo 32 B text, 1000 connections', { connections: 1000, inFlight: 1 }),
  textEcho('pipelined', 'pipelined echo 32 B, 100 connections × 16 in flight', { connections: 100, inFlight: 16 }),
  {
    id: 'connrate',
    title: 'connection rate: connect, upgrade, 1 echo, close; 32 in flight',
    kind: 'connrate',
    load: { workers: 32, size: 32 },
    metrics: [metric.connectionsPerSec, metric.cpuPerConnection],
  },
  {
    id: 'idle',
    title: `idle memory, ${IDLE_CONNECTIONS.toLocaleString('en-US')} open connections`,
    kind: 'idle',
    load: { connections: IDLE_CONNECTIONS },
    metrics: [metric.rssPerConnection, metric.heapPerConnection],
  },
  {
    id: 'huge',
    title: 'huge messages: 16 MiB binary, 4 connections',
    kind: 'echo',
    load: { connections: 4, inFlight: 1, size: 16 * MiB, binary: true, timeout: 60 },
    metrics: [metric.megabytesPerSec, metric.cpuPerHugeMessage],
  },
];

function commonArgs(server, ctx) {
  return ['--port', String(server.port), '--cpu-pid', String(server.pid)].concat(
    ctx.deflate ? ['--deflate'] : [],
  );
}

// The arguments of the scenarios that measure a window after a warm-up.
function windowArgs(ctx) {
  return ['--warmup', String(ctx.warmup), '--duration', String(ctx.duration)];
}

// A successful measurement of a warm-up + window scenario from its result line.
function windowMeasurement(r, metrics) {
  return { ok: true, raw: r, loadgenBusy: r.loadgen_busy, serverBusy: r.server_busy, metrics };
}

function describeFailure(outcome) {
  const { result, code, stderr } = outcome;
  if (result && result.error_total) {
    return `${result.error_total} error(s) ${JSON.stringify(result.errors)}: ${result.error_samples.slice(0, 3).join(' | ')}`;
  }
  return `load generator exit ${code}: ${stderr.trim().slice(0, 500) || 'no output'}`;
}

// Runs the load generator with `args` and resolves with its result line as
// `{ r }`, or with `{ failure }` (the failed measurement to report) when it
// did not finish cleanly. `onEvent` gets its event lines.
async function runLoadgenFor(ctx, args, onEvent) {
  const run = runLoadgen(ctx.loadgen, args, { core: ctx.loadgenCore, onEvent });
  ctx.knownPids.set(run.pid, 'load generator');
  const outcome = await run.done;
  const r = outcome.result;
  if (r && typeof r.loadgen_total_cpu_s === 'number') ctx.exitedCpuSeconds.set(run.pid, r.loadgen_total_cpu_s);
  if (!r || !r.ok || outcome.code !== 0) return { failure: { ok: false, error: describeFailure(outcome), raw: r } };
  return { r };
}

async function measureEcho(scenario, server, ctx) {
  const load = scenario.load;
  const args = ['echo', ...commonArgs(server, ctx),
    '--connections', String(load.connections),
    '--in-flight', String(load.inFlight),
    '--size', String(load.size),
    ...windowArgs(ctx)];
  if (load.binary) args.push('--binary');
  if (load.timeout) args.push('--timeout', String(load.timeout));
  const { r, failure } = await runLoadgenFor(ctx, args);
  if (failure) return failure;
  // Server CPU per message, from bytes so partial 16 MiB messages count.
  const messagesEquivalent = r.payload_bytes / load.size;
  return windowMeasurement(r, {
    messagesPerSec: r.messages_per_s,
    cpuUsPerMessage: r.server_cpu_us_per_message,
    megabytesPerSec: r.mb_per_s,
    cpuMsPerMessage: messagesEquivalent > 0 ? (r.server_cpu_s * 1e3) / messagesEquivalent : null,
  });
}

async function measureConnRate(scenario, server, ctx) {
  const args = ['connrate', ...commonArgs(server, ctx),
    '--workers', String(scenario.load.workers),
    '--size', String(scenario.load.size),
    ...windowArgs(ctx)];
  const { r, failure } = await runLoadgenFor(ctx, args);
  if (failure) return failure;
  return windowMeasurement(r, {
    connectionsPerSec: r.connections_per_s,
    cpuUsPerConnection: r.server_cpu_us_per_connection,
  });
}

const IDLE_WARMUP_CONNECTIONS = 1000;
const IDLE_SETTLE_MS = 15000;
const IDLE_SETTLE_POLL_MS = 100;

// The server's memory once it has let go of every warm-up connection. The
// load generator is done when it has its close frames; the server may still
// be handling the rest of those closes (ws at full CPU had 170-1,000 of
// 1,000 still in `clients`), and a baseline that holds them takes their
// memory off every connection measured after it.
async function memoryWithoutClients(server) {
  const deadline = Date.now() + IDLE_SETTLE_MS;
  for (;;) {
    const memory = await server.memory();
    if (memory.clients <= 0 || Date.now() >= deadline) return memory;
    await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_POLL_MS));
  }
}

// RSS with the connections open minus RSS before (both after two GCs in
// the server), divided by the number of connections.
async function measureIdle(scenario, server, ctx) {
  const connections = Math.min(scenario.load.connections, ctx.maxIdleConnections);
  // Warm-up: a first, smaller round of the same connections (opened, then
  // closed) pages in the code each server runs per connection. Those are
  // file-backed text pages of node and the addon that count in RSS; without
  // this, "before" and "during" would differ by them too (measured: about
  // 4 MB, 400 bytes per connection of 10,000).
  const warmup = await runLoadgenFor(
    ctx,
    ['idle', ...commonArgs(server, ctx), '--connections', String(Math.min(IDLE_WARMUP_CONNECTIONS, connections))],
    (event, child) => {
      if (event.event === 'ready') child.stdin.end('close\n');
    },
  );
  if (warmup.failure) return warmup.failure;
  const before = await memoryWithoutClients(server);
  if (before.clients > 0) {
    return { ok: false, error: `server still had ${before.clients} warm-up connections after ${IDLE_SETTLE_MS} ms` };
  }
  let during = null;
  let queryError = null;
  const args = ['idle', ...commonArgs(server, ctx), '--connections', String(connections)];
  const { r, failure } = await runLoadgenFor(ctx, args, (event, child) => {
    if (event.event !== 'ready') return;
    server
      .memory()
      .then((m) => (during = m))
      .catch((err) => (queryError = err))
      .finally(() => child.stdin.end('close\n'));
  });
  if (failure) return failure;
  if (queryError || !during) return { ok: false, error: `memory query failed: ${queryError}`, raw: r };
  if (during.clients !== -1 && during.clients !== connections) {
    return { ok: false, error: `server counted ${during.clients} clients, expected ${connections}`, raw: r };
  }
  return {
    ok: true,
    raw: { ...r, memoryBefore: before, memoryDuring: during },
    metrics: {
      rssBytesPerConnection: (during.rss - before.rss) / connections,
      heapBytesPerConnection: (during.heapUsed - before.heapUsed) / connections,
    },
  };
}

function measure(scenario, server, ctx) {
  if (scenario.kind === 'echo') return measureEcho(scenario, server, ctx);
  if (scenario.kind === 'connrate') return measureConnRate(scenario, server, ctx);
  return measureIdle(scenario, server, ctx);
}

module.exports = { SCENARIOS, measure, IDLE_CONNECTIONS };
