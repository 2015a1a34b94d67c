'use strict';

// Hand-written SVG bar chart of the results (benchmarks/results/latest.svg).
// Each bar is uws's advantage over ws on one metric, on a log scale:
// uws/ws for "higher is better" metrics, ws/uws for CPU and memory, so a bar
// to the right of 1× is always uws ahead. Target lines mark the goals.

const { ratioOf } = require('./report-markdown');
const { targetFor } = require('./targets');
const { formatRatio } = require('./format');

const WIDTH = 960;
const LABEL_WIDTH = 400;
const PLOT_WIDTH = 440;
const ROW_HEIGHT = 26;
const TOP = 70;
const MIN_FACTOR = 0.1;
const MAX_FACTOR = 100;

function escapeXml(text) {
  return String(text).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);
}

function xOf(factor) {
  const clamped = Math.min(MAX_FACTOR, Math.max(MIN_FACTOR, factor));
  const span = Math.log10(MAX_FACTOR) - Math.log10(MIN_FACTOR);
  return LABEL_WIDTH + ((Math.log10(clamped) - Math.log10(MIN_FACTOR)) / span) * PLOT_WIDTH;
}

function advantage(metric, ratio) {
  if (ratio == null || !Number.isFinite(ratio) || ratio <= 0) return null;
  return metric.better === 'higher' ? ratio : 1 / ratio;
}

function targetAdvantage(target) {
  if (!target) return null;
  return target.maxRatio != null ? 1 / target.maxRatio : target.minRatio;
}

function renderSvg(results) {
  const rows = [];
  for (const scenario of results.scenarios) {
    for (const metric of scenario.metrics) {
      const ratio = ratioOf(scenario, metric);
      rows.push({
        label: `${scenario.id}: ${metric.label}`,
        factor: advantage(metric, ratio),
        target: targetAdvantage(targetFor(scenario.id, metric.key)),
      });
    }
  }
  const height = TOP + rows.length * ROW_HEIGHT + 50;
  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  const { meta } = results;
  let title = 'uws advantage over ws (×, log scale; right of 1× = uws better)';
  if (!meta.uws.available) title += ' — uws unavailable';
  else if (meta.uws.standIn) title += ` — STAND-IN: uws slot ran ${meta.uws.standIn}`;
  parts.push(`<text x="12" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`);
  parts.push(`<text x="12" y="42" fill="#555">${escapeXml(`${meta.date} · Node ${meta.node} · ws ${meta.ws.version} · ${meta.profile} · medians of ${meta.repetitions} runs · red tick = target`)}</text>`);

  // Grid and axis labels.
  const plotBottom = TOP + rows.length * ROW_HEIGHT;
  for (const factor of [0.1, 0.25, 0.5, 1, 2, 4, 6, 10, 25, 50, 100]) {
    const x = xOf(factor).toFixed(1);
    const strong = factor === 1;
    parts.push(`<line x1="${x}" y1="${TOP - 6}" x2="${x}" y2="${plotBottom}" stroke="${strong ? '#333' : '#ddd'}" stroke-width="${strong ? 1.5 : 1}"/>`);
    parts.push(`<text x="${x}" y="${plotBottom + 16}" text-anchor="middle" fill="#555">${factor}×</text>`);
  }

  rows.forEach((row, i) => {
    const y = TOP + i * ROW_HEIGHT;
    const mid = y + ROW_HEIGHT / 2;
    if (i % 2 === 0) parts.push(`<rect x="0" y="${y}" width="${WIDTH}" height="${ROW_HEIGHT}" fill="#f6f8fa" opacity="0.6"/>`);
    parts.push(`<text x="${LABEL_WIDTH - 10}" y="${mid + 4}" text-anchor="end">${escapeXml(row.label)}</text>`);
    if (row.factor == null) {
      parts.push(`<text x="${xOf(1) + 6}" y="${mid + 4}" fill="#999">n/a</text>`);
    } else {
      const x1 = xOf(1);
      const x2 = xOf(row.factor);
      const left = Math.min(x1, x2);
      const width = Math.max(1, Math.abs(x2 - x1));
      const color = row.factor >= 1 ? '#2e7d32' : '#c62828';
      parts.push(`<rect x="${left.toFixed(1)}" y="${y + 5}" width="${width.toFixed(1)}" height="${ROW_HEIGHT - 10}" fill="${color}"/>`);
      parts.push(`<text x="${LABEL_WIDTH + PLOT_WIDTH + 12}" y="${mid + 4}">${formatRatio(row.factor)}×</text>`);
    }
    if (row.target != null) {
      const tx = xOf(row.target).toFixed(1);
      parts.push(`<line x1="${tx}" y1="${y + 2}" x2="${tx}" y2="${y + ROW_HEIGHT - 2}" stroke="#d32f2f" stroke-width="3"/>`);
    }
  });
  parts.push(`<text x="12" y="${height - 12}" fill="#555">${escapeXml('Bars: throughput uws/ws; CPU and memory ws/uws. Table and method: benchmarks/results/latest.md, benchmarks/README.md')}</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

module.exports = { renderSvg };
