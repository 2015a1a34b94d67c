#include "net/page_prefault.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>

namespace uws::net {

namespace {

#ifdef MADV_POPULATE_WRITE
constexpr int kPopulateWrite = MADV_POPULATE_WRITE;
#else
constexpr int kPopulateWrite = 23;  // <linux/mman.h> since Linux 5.14; older headers lack it
#endif

// Set when the kernel does not know the advice (before 5.14): EINVAL.
std::atomic<bool> g_unsupported{false};

uintptr_t pageSize() {
  static const uintptr_t size = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  return size;
}

}  // namespace

void prefaultForWrite(void* begin, size_t length) {
  if (length == 0 || g_unsupported.load(std::memory_order_relaxed)) return;
  // madvise wants a page-aligned start; the page `begin` is in is ours too
  // (the same mapping), and populating a present page changes nothing.
  const uintptr_t first = reinterpret_cast<uintptr_t>(begin) & ~(pageSize() - 1);
  const uintptr_t end = reinterpret_cast<uintptr_t>(begin) + length;
  // Other failures (no memory, a signal) leave the pages to fault as usual.
  if (madvise(reinterpret_cast<void*>(first), end - first, kPopulateWrite) != 0 && errno == EINVAL) {
    g_unsupported.store(true, std::memory_order_relaxed);
  }
}

}  // namespace uws::net
