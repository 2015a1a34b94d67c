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

/**
 * uws/ws of each repetition's pair of runs (the ws and uws runs of one
 * repetition are next to each other in time: they alternate), summarized;
 * null without two pairs. A change of machine state between repetitions
 * moves both runs of a pair, so this spread shows the comparison's own
 * noise, which the ratio of the medians mixes with the machine's.
 */
function pairedRatios(scenario, metric) {
  const ratios = [];
  scenario.runs.ws.forEach((ws, i) => {
    const uws = scenario.runs.uws[i];
    if (!ws.ok || !uws || !uws.ok) return;
    const a = ws.metrics[metric.key];
    const b = uws.metrics[metric.key];
    // A metric a run could not measure is null: no pair, not a ratio of 0.
    if (!Number.isFinite(a) || !Number.isFinite(b) || a === 0) return;
    ratios.push(b / a);
  });
  const summary = summarize(ratios);
  return summary && summary.count > 1 ? summary : null;
}

function ratioCell(ratio, pairs) {
  if (!pairs) return formatRatio(ratio);
  return `${formatRatio(ratio)} (pairs ${formatRatio(pairs.median)}, ${formatRatio(pairs.min)}–${formatRatio(pairs.max)})`;
}

function resultCell(target, ratio, pairs) {
  const result = verdict(target, ratio);
  const shown = result === 'FAIL' ? '**FAIL**' : result;
  if (!pairs || !target) return shown;
  const paired = verdict(target, pairs.median);
  return paired === result ? shown : `${shown} (pairs: ${paired})`;
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
    'above 1 means uws has more of it (good for throughput, bad for CPU and memory); the Result is judged on it. ' +
    '"pairs": the same ratio per repetition (its ws and uws runs are next to each other in time), ' +
    'median and min–max: a change of machine state between repetitions moves both runs of a pair. ' +
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
      const pairs = meta.uws.available ? pairedRatios(scenario, metric) : null;
      out.push(`| ${index === 0 ? scenario.title : ''} | ${metric.label} ${arrow} | ${cell(ws, metric.digits)} | ` +
        `${meta.uws.available ? cell(uws, metric.digits) : 'n/a'} | ${ratioCell(ratio, pairs)} | ${targetText} | ` +
        `${resultCell(target, ratio, pairs)} |`);
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
