'use strict';

// Starts an echo server (benchmarks/servers/echo-server.js) pinned to one
// core with a raised file-descriptor limit, and talks to it over IPC.

const path = require('path');
const { spawn } = require('child_process');

const SERVER_SCRIPT = path.join(__dirname, '..', 'servers', 'echo-server.js');
const START_TIMEOUT_MS = 15000;

/**
 * @param {object} options
 * @param {'ws'|'uws'} options.module  implementation to load in the server
 * @param {number} options.core        CPU the server is pinned to
 * @param {number} options.fileLimit   RLIMIT_NOFILE for the server
 * @param {boolean} [options.deflate]
 * @returns {Promise<{pid:number, port:number, info:object, memory:Function, stop:Function}>}
 */
function startServer({ module: moduleName, core, fileLimit, deflate }) {
  const nodeArgs = ['--expose-gc', SERVER_SCRIPT, '--module', moduleName, '--port', '0'];
  if (deflate) nodeArgs.push('--deflate');
  // bash raises the limit, then exec's taskset which exec's node: the pid we
  // get is the server's own pid (needed for /proc/<pid>/stat) and the IPC
  // channel (fd 3) is inherited through both execs.
  const quoted = nodeArgs.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const script = `ulimit -n ${fileLimit} && exec taskset -c ${core} '${process.execPath}' ${quoted}`;
  const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });

  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (stderr.length > 20000) stderr = stderr.slice(-20000);
  });
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });

  const pendingMemory = [];
  child.on('message', (message) => {
    if (message && message.type === 'memory' && pendingMemory.length) pendingMemory.shift().resolve(message);
  });

  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server (${moduleName}) did not start within ${START_TIMEOUT_MS} ms\n${stderr}`));
    }, START_TIMEOUT_MS);
    exitPromise.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server (${moduleName}) exited (${signal || code}) before listening:\n${stderr.trim()}`));
    });
    child.stdout.on('data', function onData(chunk) {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      child.stdout.off('data', onData);
      child.stdout.resume();
      clearTimeout(timer);
      let info;
      try {
        info = JSON.parse(stdout.slice(0, newline));
      } catch {
        child.kill('SIGKILL');
        reject(new Error(`server printed something unexpected: ${stdout.slice(0, 200)}`));
        return;
      }
      resolve({
        pid: child.pid,
        port: info.listening,
        info,
        stderr: () => stderr,
        exited: () => exited,
        /** Two full GCs in the server, then rss/heapUsed/clients. */
        memory() {
          return new Promise((res, rej) => {
            if (exited) return rej(new Error(`server exited (${exited.signal || exited.code}): ${stderr}`));
            const t = setTimeout(() => rej(new Error('server did not answer the memory query')), 30000);
            pendingMemory.push({ resolve: (m) => { clearTimeout(t); res(m); } });
            child.send({ type: 'memory' });
          });
        },
        async stop() {
          if (!exited) {
            child.kill('SIGTERM');
            const t = setTimeout(() => child.kill('SIGKILL'), 5000);
            await exitPromise;
            clearTimeout(t);
          }
        },
      });
    });
  });
}

module.exports = { startServer };
