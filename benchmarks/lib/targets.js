'use strict';

// The goals the table must make visible (from the benchmark issue). Each is
// a bound on the uws/ws ratio of one metric; `wsReference` is what ws was
// measured at when the goals were set, to spot a mis-measured ws.

const TARGETS = [
  {
    scenario: 'pipelined',
    metric: 'cpuUsPerMessage',
    maxRatio: 0.1,
    text: '≥10× less CPU/message (uws/ws ≤ 0.10)',
    wsReference: 'ws ≈ 8 µs',
  },
  {
    scenario: 'connrate',
    metric: 'cpuUsPerConnection',
    maxRatio: 0.25,
    text: '≥4× less CPU/connection (uws/ws ≤ 0.25)',
    wsReference: 'ws ≈ 250 µs',
  },
  {
    scenario: 'idle',
    metric: 'rssBytesPerConnection',
    maxRatio: 1 / 6,
    text: '≤ 1/6 memory/connection (uws/ws ≤ 0.167)',
    wsReference: 'ws ≈ 6.9 KB',
  },
  {
    scenario: 'huge',
    metric: 'megabytesPerSec',
    minRatio: 1,
    text: '≥ ws throughput (uws/ws ≥ 1.0)',
    wsReference: '',
  },
];

function targetFor(scenarioId, metricKey) {
  return TARGETS.find((t) => t.scenario === scenarioId && t.metric === metricKey) || null;
}

/** 'pass' | 'FAIL' | 'n/a' */
function verdict(target, ratio) {
  if (!target) return '';
  if (ratio == null || !Number.isFinite(ratio)) return 'n/a';
  if (target.maxRatio != null) return ratio <= target.maxRatio ? 'pass' : 'FAIL';
  return ratio >= target.minRatio ? 'pass' : 'FAIL';
}

module.exports = { TARGETS, targetFor, verdict };
