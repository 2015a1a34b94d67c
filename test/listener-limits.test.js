'use strict';

const assert = require('assert/strict');
const { spawn } = require('child_process');
const path = require('path');

describe('own listener under resource limits', function () {
  it('does not spin when accept() runs out of descriptors, and recovers', async function () {
    this.timeout(15000);
    const script = path.join(__dirname, 'fixtures', 'emfile-server.js');
    const child = spawn('/bin/sh', ['-c', `ulimit -n 200 && exec "${process.execPath}" "${script}"`], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: process.env
    });
    const report = await new Promise((resolve, reject) => {
      child.on('message', resolve);
      child.on('exit', (code) => reject(new Error(`child exited with ${code} before reporting`)));
    });
    assert.equal(report.error, undefined);
    assert.equal(report.recovered, true);
    // A spinning poll would burn the whole 500 ms; a paused listener almost none.
    assert.ok(report.cpuMs < 250, `server used ${report.cpuMs} ms of CPU while out of descriptors`);
  });
});
