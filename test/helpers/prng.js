'use strict';

/**
 * A small deterministic PRNG (mulberry32) with helpers.
 */
function createRng(seed) {
  let a = seed >>> 0;

  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  const rng = {
    next,
    /** Integer in [0, n). */
    int: (n) => Math.floor(next() * n),
    /** Integer in [lo, hi]. */
    range: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    bytes: (n) => {
      const buf = Buffer.alloc(n);
      for (let i = 0; i < n; i++) buf[i] = Math.floor(next() * 256);
      return buf;
    }
  };

  return rng;
}

module.exports = { createRng };
