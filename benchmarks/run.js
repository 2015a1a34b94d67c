'use strict';

// Side-by-side benchmark of ws and uws: `npm run bench [-- --quick]`.
// Builds the native load generator, runs every scenario against both
// servers (alternating, fresh server per run, server and load generator on
// separate cores) and writes benchmarks/results/latest.{md,svg,json}.
// Method and how to read the table: benchmarks/README.md.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const { buildLoadgen } = require('./lib/build-loadgen');
const { startServer } = require('./lib/server-process');
const { SCENARIOS, measure, IDLE_CONNECTIONS } = require('./lib/scenarios');
const { snapshot, cpuBetween } = require('./lib/system-load');
const { renderMarkdown } = require('./lib/report-markdown');
const { renderSvg } = require('./lib/report-svg');
const { formatNumber, formatPercent } = require('./lib/format');

const RESULTS_DIR = path.join(__dirname, 'results');

const PROFILES = {
  full: { name: 'full', repetitions: 5, warmup: 1, duration: 5 },
  quick: { name: 'quick', repetitions: 3, warmup: 0.5, duration: 1.5 },
};

function usage(exitCode) {
  console.log(`usage: npm run bench -- [--quick] [--only id,id] [--reps N] [--duration S] [--warmup S] [--deflate]

  --quick        3 repetitions of 1.5 s windows (about two minutes) instead of 5 × 5 s
  --only IDS     run only these scenarios: ${SCENARIOS.map((s) => s.id).join(', ')}
  --reps N       repetitions per server and scenario
  --duration S   measured window per run, seconds
  --warmup S     warm-up before each window, seconds
  --deflate      permessage-deflate variant (not yet supported)

Writes benchmarks/results/latest.md, latest.svg and latest.json.`);
  process.exit(exitCode);
}

function parseArgs(argv) {
  const args = { profile: PROFILES.full, only: null, reps: null, duration: null, warmup: null, deflate: false, uwsModule: 'uws' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(2);
      return argv[++i];
    };
    if (arg === '--quick') args.profile = PROFILES.quick;
    else if (arg === '--only') args.only = next().split(',');
    else if (arg === '--reps') args.reps = Number(next());
    else if (arg === '--duration') args.duration = Number(next());
    else if (arg === '--warmup') args.warmup = Number(next());
    else if (arg === '--deflate') args.deflate = true;
    // Development only: run the "uws" slot with another module (e.g. ws) to
    // test the pipeline before uws exists. Reports mark it as a stand-in.
    else if (arg === '--uws-module') args.uwsModule = next();
    else if (arg === '--help' || arg === '-h') usage(0);
    else {
      console.error(`unknown option ${arg}`);
      usage(2);
    }
  }
  if (args.uwsModule !== 'uws' && args.uwsModule !== 'ws') {
    console.error('--uws-module must be uws or ws');
    process.exit(2);
  }
  if (args.only) {
    const unknown = args.only.filter((id) => !SCENARIOS.some((s) => s.id === id));
    if (unknown.length) {
      console.error(`unknown scenario(s): ${unknown.join(', ')}`);
      usage(2);
    }
  }
  return args;
}

function log(message) {
  process.stdout.write(`${message}\n`);
}

function hardFileLimit() {
  try {
    const value = execFileSync('bash', ['-c', 'ulimit -Hn']).toString().trim();
    return value === 'unlimited' ? 1048576 : Number(value);
  } catch {
    return 1024;
  }
}

function machineInfo() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0] ? cpus[0].model.trim() : 'unknown CPU',
    cores: cpus.length,
    memoryGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    kernel: os.release(),
  };
}

function requireTool(name) {
  try {
    execFileSync('bash', ['-c', `command -v ${name}`], { stdio: 'ignore' });
  } catch {
    console.error(`benchmark needs \`${name}\` (Linux). Not found.`);
    process.exit(2);
  }
}

function describeRun(scenario, run) {
  if (!run.ok) return `FAILED: ${run.error}`;
  const parts = scenario.metrics.map((m) => `${formatNumber(run.metrics[m.key], m.digits)} ${m.label}`);
  if (run.loadgenBusy != null) parts.push(`load generator ${formatPercent(run.loadgenBusy)}`);
  if (run.load && run.load.otherCores > 0.1) parts.push(`other CPU ${run.load.otherCores.toFixed(2)} cores`);
  return parts.join(', ');
}

async function runOnce(scenario, slot, ctx) {
  let server;
  try {
    server = await startServer({ module: slot.module, core: ctx.serverCore, fileLimit: ctx.fileLimit, deflate: ctx.deflate });
  } catch (err) {
    return { ok: false, error: `server did not start: ${String(err.message).split('\n').slice(0, 3).join(' ')}` };
  }
  ctx.knownPids = new Map([[server.pid, 'server']]);
  ctx.exitedCpuSeconds = new Map();
  const before = snapshot();
  let run;
  try {
    run = await measure(scenario, server, ctx);
  } catch (err) {
    run = { ok: false, error: err.message };
  }
  const after = snapshot();
  const exited = server.exited();
  await server.stop();
  if (exited) {
    run = { ok: false, error: `server died (${exited.signal || exited.code}): ${server.stderr().trim().slice(-500)}` };
  }
  run.load = cpuBetween(before, after, ctx.knownPids, ctx.exitedCpuSeconds);
  return run;
}

// Starts the uws server once, so a missing or broken build is reported
// clearly and the ws numbers are still produced.
async function probeUws(ctx, moduleName) {
  try {
    const server = await startServer({ module: moduleName, core: ctx.serverCore, fileLimit: ctx.fileLimit, deflate: ctx.deflate });
    await server.stop();
    return { available: true, version: server.info.version, info: server.info };
  } catch (err) {
    const lines = String(err.message).split('\n').map((l) => l.trim()).filter(Boolean);
    const reason = lines.find((l) => /cannot start|Cannot find|Error/.test(l)) || lines[0] || 'unknown error';
    return { available: false, reason: reason.slice(0, 300), detail: err.message };
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.deflate) {
    console.error('--deflate: permessage-deflate benchmarks are not yet supported. The echo server already ' +
      'accepts --deflate (it passes perMessageDeflate to both servers), but the load generator does not ' +
      'implement the extension yet. Run without --deflate.');
    process.exit(2);
  }
  if (process.platform !== 'linux') {
    console.error('the benchmark uses epoll, taskset and /proc: Linux only');
    process.exit(2);
  }
  requireTool('taskset');
  requireTool('g++');

  const profile = args.profile;
  const started = Date.now();
  const cores = os.cpus().length;
  const ctx = {
    loadgen: null,
    serverCore: 0,
    loadgenCore: cores >= 2 ? 1 : 0,
    fileLimit: hardFileLimit(),
    deflate: args.deflate,
    warmup: args.warmup ?? profile.warmup,
    duration: args.duration ?? profile.duration,
    maxIdleConnections: IDLE_CONNECTIONS,
    knownPids: new Map(),
    exitedCpuSeconds: new Map(),
  };
  const repetitions = args.reps ?? profile.repetitions;
  if (cores < 2) log('warning: fewer than 2 CPUs, server and load generator share core 0');
  if (ctx.fileLimit < IDLE_CONNECTIONS + 200) {
    ctx.maxIdleConnections = Math.max(100, ctx.fileLimit - 200);
    log(`warning: hard file limit ${ctx.fileLimit}: idle scenario uses ${ctx.maxIdleConnections} connections`);
  }

  ctx.loadgen = buildLoadgen(log);

  const slots = [
    { name: 'ws', module: 'ws' },
    { name: 'uws', module: args.uwsModule },
  ];
  const wsProbe = await probeUws(ctx, 'ws');
  if (!wsProbe.available) {
    console.error(`cannot start the ws echo server: ${wsProbe.detail}`);
    process.exit(2);
  }
  const uwsProbe = await probeUws(ctx, args.uwsModule);
  if (args.uwsModule !== 'uws') {
    uwsProbe.standIn = args.uwsModule;
    log(`NOTE: the uws slot runs \`${args.uwsModule}\` (development stand-in) — these are not uws numbers`);
  }
  if (!uwsProbe.available) {
    log(`uws is UNAVAILABLE: ${uwsProbe.reason}`);
    log('continuing with ws only; the report marks uws as unavailable');
  }
  const activeSlots = uwsProbe.available ? slots : [slots[0]];

  const scenarios = SCENARIOS.filter((s) => !args.only || args.only.includes(s.id));
  const total = scenarios.length * repetitions * activeSlots.length;
  log(`${profile.name}: ${scenarios.length} scenarios × ${repetitions} repetitions × ${activeSlots.length} servers = ${total} runs ` +
    `(${ctx.warmup} s warm-up + ${ctx.duration} s each); server on core ${ctx.serverCore}, load generator on core ${ctx.loadgenCore}`);

  const loadavgBefore = os.loadavg();
  const results = { scenarios: [] };
  let done = 0;
  let anyFailure = false;
  for (const scenario of scenarios) {
    const entry = { id: scenario.id, title: scenario.title, metrics: scenario.metrics, runs: { ws: [], uws: [] } };
    results.scenarios.push(entry);
    for (let rep = 0; rep < repetitions; rep++) {
      // Alternate the order so slow drift (thermal, neighbours) hits both.
      const order = rep % 2 === 0 ? activeSlots : [...activeSlots].reverse();
      for (const slot of order) {
        done++;
        const runStarted = Date.now();
        const run = await runOnce(scenario, slot, ctx);
        run.seconds = (Date.now() - runStarted) / 1000;
        if (!run.ok) anyFailure = true;
        entry.runs[slot.name].push(run);
        log(`[${String(done).padStart(String(total).length)}/${total}] ${scenario.id.padEnd(9)} ${slot.name.padEnd(3)} ` +
          `rep ${rep + 1}/${repetitions} (${run.seconds.toFixed(1)} s): ${describeRun(scenario, run)}`);
      }
    }
  }

  const wsInfo = wsProbe.info;
  results.meta = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: machineInfo(),
    node: process.version,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    profile: profile.name,
    repetitions,
    warmup: ctx.warmup,
    duration: ctx.duration,
    serverCore: ctx.serverCore,
    loadgenCore: ctx.loadgenCore,
    ws: { version: wsInfo.version, bufferutil: wsInfo.bufferutil, utf8Validate: wsInfo.utf8Validate },
    uws: { available: uwsProbe.available, version: uwsProbe.version, reason: uwsProbe.reason, standIn: uwsProbe.standIn },
    loadavgBefore,
    loadavgAfter: os.loadavg(),
    elapsedSeconds: (Date.now() - started) / 1000,
  };

  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const markdown = renderMarkdown(results);
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.md'), markdown);
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.svg'), renderSvg(results));
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  log('');
  log(markdown.split('\n').filter((l) => l.startsWith('|')).slice(0, 2 + scenarios.reduce((n, s) => n + s.metrics.length, 0)).join('\n'));
  log('');
  log(`wrote benchmarks/results/latest.md, latest.svg, latest.json in ${results.meta.elapsedSeconds.toFixed(0)} s`);
  if (anyFailure) {
    log('some runs FAILED (see the Errors section of latest.md)');
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
