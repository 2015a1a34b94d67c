// Known-answer checks of the hand-written SHA-1, base64, handshake and
// framing code (`loadgen selftest`; the runner calls it after building).
#pragma once

int run_selftest();
