'use strict';

// What else used the CPU during a run. On a two-core machine a busy
// neighbour (a compiler, an editor's indexer) changes the numbers, so every
// run records machine-wide CPU use from /proc/stat and the busiest other
// processes from /proc/<pid>/stat, and the report shows them.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
} catch {
  /* keep 100, the Linux default */
}

function readMachineTicks() {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest is inside user)
  const idle = values[3] + (values[4] || 0);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  return { idle, total };
}

function readProcessTicks() {
  const processes = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      // fields[0] is field 3 (state); utime/stime are fields 14/15
      processes.set(Number(entry), { comm, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      /* exited while we looked */
    }
  }
  return processes;
}

function snapshot() {
  return {
    time: process.hrtime.bigint(),
    machine: readMachineTicks(),
    processes: readProcessTicks(),
    loadavg: os.loadavg(),
  };
}

// "node mocha" rather than "node": the program and its script, shortened.
function shortCommand(pid, fallback) {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const words = argv.slice(0, 2).filter((a, i) => i === 0 || !a.startsWith('-')).map((a) => path.basename(a));
    return words.join(' ').slice(0, 40) || fallback;
  } catch {
    return fallback;
  }
}

/**
 * CPU use between two snapshots, in cores (1.0 = one core fully busy).
 * @param {ReturnType<typeof snapshot>} before
 * @param {ReturnType<typeof snapshot>} after
 * @param {Map<number,string>} known  pids to account separately (server, load generator)
 * @param {Map<number,number>} [reportedSeconds]  CPU seconds known pids reported
 *   themselves: a load generator has exited before `after` was taken, so
 *   /proc no longer shows what it used
 */
function cpuBetween(before, after, known, reportedSeconds = new Map()) {
  const seconds = Number(after.time - before.time) / 1e9;
  const machineTotal = after.machine.total - before.machine.total;
  const machineIdle = after.machine.idle - before.machine.idle;
  const cores = os.cpus().length;
  const machineBusyCores = machineTotal > 0 ? ((machineTotal - machineIdle) / machineTotal) * cores : 0;

  let knownCores = 0;
  const others = [];
  for (const [pid, now] of after.processes) {
    const then = before.processes.get(pid);
    const ticks = now.ticks - (then ? then.ticks : 0);
    if (ticks <= 0) continue;
    const usedCores = ticks / clockTicks / seconds;
    if (known.has(pid)) {
      knownCores += usedCores;
    } else {
      others.push({ pid, name: now.comm, cores: usedCores });
    }
  }
  for (const [pid, cpuSeconds] of reportedSeconds) {
    if (known.has(pid) && !after.processes.has(pid) && seconds > 0) knownCores += cpuSeconds / seconds;
  }
  others.sort((a, b) => b.cores - a.cores);
  // Named after sorting: only the top few /proc/<pid>/cmdline reads.
  for (const other of others.slice(0, 3)) other.name = shortCommand(other.pid, other.name);
  return {
    seconds,
    machineBusyCores,
    // Everything not spent by the server and load generator, including
    // processes that started and ended between the snapshots.
    otherCores: Math.max(0, machineBusyCores - knownCores),
    topOthers: others.slice(0, 3),
    loadavg: after.loadavg,
  };
}

module.exports = { snapshot, cpuBetween };
