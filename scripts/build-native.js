'use strict';
// Builds the native addon with cmake-js, falling back to node-gyp (binding.gyp).
//
// cmake-js is told where Node's own headers are (uv.h, zlib.h, openssl/), so the
// build never downloads anything: `binary.napi_versions` in package.json keeps
// cmake-js on the node-api-headers package, which lacks those headers.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const debug = process.argv.includes('--debug');
const sanitize = process.argv.includes('--asan');

function nodeIncludeDir() {
  const candidates = [];
  if (process.env.npm_config_nodedir) {
    candidates.push(path.join(process.env.npm_config_nodedir, 'include', 'node'));
  }
  candidates.push(path.resolve(process.execPath, '..', '..', 'include', 'node'));
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'uv.h')));
}

function run(command, args) {
  console.log(`> ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  return result.status === 0;
}

function buildWithCMake(includeDir) {
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  const args = [cmakeJs, 'compile', '--config', debug ? 'Debug' : 'Release', '--log-level', 'warn'];
  args.push(`--CDUWS_NODE_INCLUDE_DIR=${includeDir}`);
  if (sanitize) args.push('--CDUWS_ASAN=ON');
  return run(process.execPath, args);
}

function buildWithGyp() {
  let gyp;
  try {
    gyp = require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const npmDir = path.dirname(path.dirname(require.resolve('npm/package.json', { paths: [path.dirname(process.execPath), '/usr/lib/node_modules'] })));
    gyp = path.join(npmDir, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  }
  return run(process.execPath, [gyp, 'rebuild', debug ? '--debug' : '--release']);
}

const includeDir = nodeIncludeDir();
if (!includeDir) {
  console.error('uws: cannot find Node\'s headers (uv.h); set npm_config_nodedir to a Node source or headers directory');
}
if (includeDir && buildWithCMake(includeDir)) process.exit(0);
console.error('uws: cmake-js build failed, trying node-gyp (binding.gyp)');
process.exit(buildWithGyp() ? 0 : 1);
