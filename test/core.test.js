'use strict';

//
// C++ unit tests of the protocol core (native/test), built by CMake as the
// addon build/Release/uws_core_tests.node: one mocha test per C++ test.
//

const assert = require('assert/strict');
const fs = require('fs');
const path = require('path');

const addonPath = path.resolve(__dirname, '..', 'build', 'Release', 'uws_core_tests.node');

describe('native core (C++ unit tests)', () => {
  if (!fs.existsSync(addonPath)) {
    it('has the test addon built', () => {
      assert.fail(`${addonPath} is missing: build it with \`node scripts/build-native.js\``);
    });
    return;
  }

  const tests = require(addonPath);
  const names = tests.list();

  it('registers tests', () => {
    assert.ok(names.length > 0, 'no C++ test registered');
  });

  for (const name of names) {
    it(name, () => {
      const failure = tests.run(name);
      assert.equal(failure, null, `${name}:\n${failure}`);
    });
  }
});
