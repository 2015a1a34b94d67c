'use strict';

// Number formatting shared by the progress lines and the reports.

function formatNumber(value, digits = 0) {
  if (value == null || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function formatRatio(ratio) {
  if (ratio == null || !Number.isFinite(ratio)) return '–';
  if (ratio >= 100) return ratio.toFixed(0);
  if (ratio >= 10) return ratio.toFixed(1);
  if (ratio >= 0.01) return ratio.toFixed(2);
  return ratio.toPrecision(2);
}

function formatPercent(fraction) {
  if (fraction == null || !Number.isFinite(fraction)) return '–';
  return `${Math.round(fraction * 100)}%`;
}

module.exports = { formatNumber, formatRatio, formatPercent };
