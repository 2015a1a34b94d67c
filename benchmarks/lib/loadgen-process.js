'use strict';

// Runs the native load generator pinned to one core and collects its JSON
// output lines. The last line with a "mode" field is the result; other lines
// are events (the idle scenario's {"event":"ready"}).

const { spawn } = require('child_process');

/**
 * @param {string} binary
 * @param {string[]} args
 * @param {object} options
 * @param {number} options.core
 * @param {(event: object, child: import('child_process').ChildProcess) => void} [options.onEvent]
 * @param {number} [options.timeoutMs]  kill the load generator after this long
 * @returns {{pid:number, done: Promise<{result: object|null, code: number|null, stderr: string}>}}
 */
function runLoadgen(binary, args, { core, onEvent, timeoutMs = 300000 }) {
  const child = spawn('taskset', ['-c', String(core), binary, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let result = null;
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    let newline;
    while ((newline = stdout.indexOf('\n')) >= 0) {
      const line = stdout.slice(0, newline);
      stdout = stdout.slice(newline + 1);
      let parsed;
      try {
        parsed = JSON.parse(line);
      } catch {
        stderr += `unparsable output: ${line}\n`;
        continue;
      }
      if (parsed.mode) result = parsed;
      else if (onEvent) onEvent(parsed, child);
    }
  });
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdin.on('error', () => {}); // it may exit before we write
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) stderr += `load generator killed by ${signal}\n`;
      resolve({ result, code, stderr });
    });
  });
  return { pid: child.pid, child, done };
}

module.exports = { runLoadgen };
