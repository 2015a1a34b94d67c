'use strict';

//
// The test certificate: self-signed, test-only, for CN=localhost with SAN
// DNS:localhost and IP:127.0.0.1, valid for 100 years; made once with
// `openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj /CN=localhost
//  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1"`.
// Pass it as the options of `https.createServer()`; clients trust `cert`
// (`{ ca: tlsFixture.cert }`).
//

const fs = require('fs');
const path = require('path');

const tlsFixture = {
  key: fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'key.pem')),
  cert: fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'cert.pem'))
};

module.exports = { tlsFixture };
