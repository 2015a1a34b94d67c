'use strict';

//
// An in-memory transport: two connected Duplex streams that are not sockets
// and have no file descriptor.
//

const { Duplex } = require('stream');

/**
 * Two connected in-memory Duplex streams: what one writes, the other
 * reads; `end()` on one ends the other's readable side; destroying one
 * destroys both (like a TCP reset).
 */
function duplexPair() {
  const make = () =>
    new Duplex({
      read() {},
      write(chunk, encoding, callback) {
        this.peer.push(chunk);
        callback();
      },
      final(callback) {
        this.peer.push(null);
        callback();
      },
      destroy(err, callback) {
        if (!this.peer.destroyed) this.peer.destroy();
        callback(err);
      }
    });
  const a = make();
  const b = make();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

module.exports = { duplexPair };
