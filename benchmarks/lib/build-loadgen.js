'use strict';

// Builds the native load generator into benchmarks/build/ with g++ (the
// compiler the project build needs anyway) when any source is newer than
// the binary, then runs its known-answer self-test.

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const SOURCE_DIR = path.join(__dirname, '..', 'loadgen');
const BUILD_DIR = path.join(__dirname, '..', 'build');
const BINARY = path.join(BUILD_DIR, 'loadgen');
const FLAGS = ['-std=c++17', '-O2', '-Wall', '-Wextra', '-Werror'];

function newestSourceTime(files) {
  return Math.max(...files.map((f) => fs.statSync(path.join(SOURCE_DIR, f)).mtimeMs));
}

function buildLoadgen(log) {
  const files = fs.readdirSync(SOURCE_DIR).filter((f) => /\.(cpp|hpp)$/.test(f));
  const sources = files.filter((f) => f.endsWith('.cpp')).map((f) => path.join(SOURCE_DIR, f));
  const upToDate =
    fs.existsSync(BINARY) && fs.statSync(BINARY).mtimeMs >= newestSourceTime(files) &&
    fs.statSync(BINARY).mtimeMs >= fs.statSync(__filename).mtimeMs;
  if (!upToDate) {
    log(`building load generator: g++ ${FLAGS.join(' ')} -> ${path.relative(process.cwd(), BINARY)}`);
    fs.mkdirSync(BUILD_DIR, { recursive: true });
    execFileSync('g++', [...FLAGS, '-o', BINARY, ...sources], { stdio: 'inherit' });
  }
  execFileSync(BINARY, ['selftest'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return BINARY;
}

module.exports = { buildLoadgen, BINARY };
