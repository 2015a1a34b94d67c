// Faults in, with one system call, the pages a receive is about to fill.
//
// The rest of a large frame is read straight into the message's memory
// (Connection::readIntoMessage), which is fresh: left alone, the kernel
// takes a page fault, an exception, for every 4 KiB page it copies into.
// On the benchmark VM one costs ~1.6 µs, a sixth of the server's CPU in a
// 16 MiB echo. MADV_POPULATE_WRITE (Linux 5.14) makes the same pages
// present in one call, without the exceptions.
#pragma once

#include <cstddef>

namespace uws::net {

// Makes the pages of [begin, begin + length) present and writable, as a
// write would; the bytes are not changed. Does nothing where the kernel
// cannot (after the first refusal it stops asking).
void prefaultForWrite(void* begin, size_t length);

}  // namespace uws::net
