'use strict';

// Writes the results table (benchmarks/results/latest.md).

const { summarize } = require('./stats');
const { targetFor, verdict } = require('./targets');
const { formatNumber, formatRatio, formatPercent } = require('./format');

// Other processes using more than this (in cores) make the numbers suspect.
const BUSY_MACHINE_CORES = 0.25;

function metricSummary(runs, key) {
  return summarize(runs.filter((r) => r.ok).map((r) => r.metrics[key]));
}

function cell(summary, digits) {
  if (!summary) return '–';
  const spread = summary.count > 1 ? ` (${formatNumber(summary.min, digits)}–${formatNumber(summary.max, digits)})` : '';
  return `**${formatNumber(summary.median, digits)}**${spread}`;
}

/** uws/ws of the medians, or null. */
function ratioOf(scenario, metric) {
  const ws = metricSummary(scenario.runs.ws, metric.key);
  const uws = metricSummary(scenario.runs.uws, metric.key);
  if (!ws || !uws || ws.median === 0) return null;
  return uws.median / ws.median;
}

function runsCell(runs) {
  const ok = runs.filter((r) => r.ok).length;
  return ok === runs.length ? `${ok}` : `${ok}/${runs.length} ok`;
}

function loadTable(results) {
  const lines = [
    '| Scenario | load generator busy (ws / uws) | server busy (ws / uws) | other CPU, max (cores) | busiest other processes |',
    '|---|---|---|---|---|',
  ];
  for (const scenario of results.scenarios) {
    const busy = (slot, field) => {
      const s = summarize(scenario.runs[slot].filter((r) => r.ok).map((r) => r[field]));
      return s ? formatPercent(s.median) : '–';
    };
    const all = [...scenario.runs.ws, ...scenario.runs.uws].filter((r) => r.load);
    const otherMax = Math.max(0, ...all.map((r) => r.load.otherCores));
    const names = new Map();
    for (const run of all) {
      for (const other of run.load.topOthers) {
        if (other.cores < 0.01) continue;
        names.set(other.name, Math.max(names.get(other.name) || 0, other.cores));
      }
    }
    const top = [...names.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3)
      .map(([name, cores]) => `${name} ${cores.toFixed(2)}`).join(', ') || 'none';
    lines.push(`| ${scenario.id} | ${busy('ws', 'loadgenBusy')} / ${busy('uws', 'loadgenBusy')} | ` +
      `${busy('ws', 'serverBusy')} / ${busy('uws', 'serverBusy')} | ${otherMax.toFixed(2)} | ${top} |`);
  }
  return lines.join('\n');
}

function renderMarkdown(results) {
  const { meta } = results;
  const uwsLabel = meta.uws.available
    ? meta.uws.standIn
      ? `**stand-in: the uws slot ran \`${meta.uws.standIn}\`** (development override, not uws)`
      : `uws ${meta.uws.version || ''} (this repository)`
    : `**unavailable** — ${meta.uws.reason}`;
  const out = [];
  out.push('# uws vs ws — benchmark results', '');
  out.push(`- Date: ${meta.date}`);
  out.push(`- Machine: ${meta.machine.cpuModel}, ${meta.machine.cores} cores, ${meta.machine.memoryGiB} GiB, Linux ${meta.machine.kernel}`);
  out.push(`- Node ${meta.node}; ws ${meta.ws.version} (bufferutil: ${meta.ws.bufferutil ? 'yes' : 'no'}, utf-8-validate: ${meta.ws.utf8Validate ? 'yes' : 'no'}); ${uwsLabel}`);
  out.push(`- Run: \`${meta.command}\` — ${meta.profile}: ${meta.repetitions} repetitions per server, alternating ws/uws, ` +
    `${meta.warmup} s warm-up + ${meta.duration} s measured per run, fresh server process per run`);
  out.push(`- Pinning: server on core ${meta.serverCore}, load generator on core ${meta.loadgenCore}` +
    (meta.serverCore === meta.loadgenCore ? ' (**shared core: fewer than 2 CPUs**)' : ''));
  out.push(`- Load average before / after: ${meta.loadavgBefore.map((v) => v.toFixed(2)).join(' ')} / ${meta.loadavgAfter.map((v) => v.toFixed(2)).join(' ')}`);
  out.push(`- Total time: ${meta.elapsedSeconds.toFixed(0)} s`, '');
  out.push('Cells: **median** (min–max over the repetitions). Ratio: uws median / ws median — ' +
    'above 1 means uws has more of it (good for throughput, bad for CPU and memory). ' +
    'See benchmarks/README.md for the method.', '');

  const busiest = Math.max(0, ...results.scenarios.flatMap((s) => [...s.runs.ws, ...s.runs.uws])
    .filter((r) => r.load).map((r) => r.load.otherCores));
  if (busiest > BUSY_MACHINE_CORES) {
    out.push(`> **Warning: the machine was busy.** Other processes used up to ${busiest.toFixed(2)} cores during ` +
      'the runs (see "What else was using the CPU"). Server and load generator competed with them for their cores, ' +
      'so absolute numbers are low and noisy; re-run on a quiet machine before quoting them.', '');
  }
  out.push('| Scenario | Metric | ws | uws | uws/ws | Target | Result |');
  out.push('|---|---|---|---|---|---|---|');
  for (const scenario of results.scenarios) {
    scenario.metrics.forEach((metric, index) => {
      const ws = metricSummary(scenario.runs.ws, metric.key);
      const uws = metricSummary(scenario.runs.uws, metric.key);
      const ratio = ratioOf(scenario, metric);
      const target = targetFor(scenario.id, metric.key);
      const arrow = metric.better === 'higher' ? '↑' : '↓';
      const targetText = target ? `${target.text}${target.wsReference ? `; ${target.wsReference}` : ''}` : '';
      const result = verdict(target, ratio);
      out.push(`| ${index === 0 ? scenario.title : ''} | ${metric.label} ${arrow} | ${cell(ws, metric.digits)} | ` +
        `${meta.uws.available ? cell(uws, metric.digits) : 'n/a'} | ${formatRatio(ratio)} | ${targetText} | ` +
        `${result === 'FAIL' ? '**FAIL**' : result} |`);
    });
  }
  out.push('', '↑ higher is better, ↓ lower is better.', '');

  out.push('## What else was using the CPU', '');
  out.push('Busy = CPU time / wall time of the measured window (1 core = 100%). A load generator near 100% ' +
    'means throughput is capped by the client, not the server: compare server CPU per message instead. ' +
    '"Other CPU" is machine-wide busy time minus server and load generator during each run (includes the ' +
    'runner and any short-lived processes).', '');
  out.push(loadTable(results), '');

  const failures = [];
  for (const scenario of results.scenarios) {
    for (const slot of ['ws', 'uws']) {
      scenario.runs[slot].forEach((run, i) => {
        if (!run.ok) failures.push(`- ${scenario.id} / ${slot} / run ${i + 1}: ${run.error}`);
      });
    }
  }
  out.push('## Errors', '');
  out.push(failures.length ? failures.join('\n') : 'None: every message was echoed byte for byte and every connection closed cleanly.', '');
  out.push('Runs per cell: ' + results.scenarios.map((s) => `${s.id} ${runsCell(s.runs.ws)}/${meta.uws.available ? runsCell(s.runs.uws) : '–'}`).join(', '), '');
  return out.join('\n');
}

module.exports = { renderMarkdown, ratioOf };
