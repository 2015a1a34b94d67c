'use strict';

//
// The module under test: `uws` (this package) by default, or the reference
// `ws` package when `UWS_TEST_MODULE=ws`. Every suite takes
// `{ WebSocketServer, WebSocket }` from here; tests for behaviour where uws
// deliberately differs from ws are guarded with `isUws`.
//
const useWs = process.env.UWS_TEST_MODULE === 'ws';

module.exports = useWs ? require('ws') : require('../..');
module.exports.isUws = !useWs;
