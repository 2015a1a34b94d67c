// Pages faulted in ahead of a receive (net/page_prefault.h): present
// afterwards (mincore) and writable without a fault (the thread's minor
// faults), with the bytes already there unchanged, from an unaligned start,
// and without touching pages outside the range.
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "net/page_prefault.h"
#include "test/test_harness.h"

namespace {

// A private anonymous mapping of `pages` pages, none of them touched yet.
struct FreshPages {
  size_t pageSize = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t pages;
  uint8_t* base;
  explicit FreshPages(size_t count) : pages(count) {
    void* mapped = mmap(nullptr, pages * pageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    base = mapped == MAP_FAILED ? nullptr : static_cast<uint8_t*>(mapped);
  }
  ~FreshPages() {
    if (base) munmap(base, pages * pageSize);
  }
  // Which pages are resident.
  std::vector<bool> resident() const {
    std::vector<unsigned char> flags(pages);
    std::vector<bool> result(pages, false);
    if (mincore(base, pages * pageSize, flags.data()) != 0) return result;
    for (size_t i = 0; i < pages; ++i) result[i] = (flags[i] & 1) != 0;
    return result;
  }
};

// Whether this kernel knows MADV_POPULATE_WRITE (Linux 5.14+; 23 where
// the headers are older), asked directly: where it does not,
// prefaultForWrite() must simply do nothing.
bool kernelPopulates() {
  FreshPages probe(1);
  return madvise(probe.base, probe.pageSize, 23) == 0;
}

// Minor page faults this thread has taken so far.
long minorFaults() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return usage.ru_minflt;
}

}  // namespace

UWS_TEST(prefault_makes_the_range_resident_and_leaves_the_rest) {
  FreshPages region(16);
  CHECK(region.base != nullptr);
  const bool populates = kernelPopulates();
  // From the middle of page 2 up to the middle of page 6: pages 2..6.
  uint8_t* begin = region.base + 2 * region.pageSize + 100;
  uws::net::prefaultForWrite(begin, 4 * region.pageSize);
  const std::vector<bool> resident = region.resident();
  for (size_t i = 0; i < region.pages; ++i) {
    const bool inRange = i >= 2 && i <= 6;
    CHECK_EQ(resident[i], inRange && populates);
  }
}

UWS_TEST(prefault_leaves_pages_that_writes_do_not_fault) {
  // Populating for reading would map the shared zero page, and the first
  // write to each page would still fault.
  if (!kernelPopulates()) return;
  FreshPages region(32);
  CHECK(region.base != nullptr);
  uws::net::prefaultForWrite(region.base, region.pages * region.pageSize);
  const long before = minorFaults();
  for (size_t i = 0; i < region.pages; ++i) region.base[i * region.pageSize + 1] = 1;
  CHECK_EQ(minorFaults() - before, 0L);
}

UWS_TEST(prefault_keeps_the_bytes_already_written) {
  FreshPages region(4);
  CHECK(region.base != nullptr);
  // Bytes before the start, in the start's own page, were received earlier.
  std::memset(region.base, 0xab, 200);
  uws::net::prefaultForWrite(region.base + 200, 3 * region.pageSize);
  for (size_t i = 0; i < 200; ++i) CHECK_EQ(region.base[i], 0xab);
  for (size_t i = 200; i < 4 * region.pageSize; ++i) CHECK_EQ(region.base[i], 0);
}

UWS_TEST(prefault_of_nothing_does_nothing) {
  FreshPages region(2);
  CHECK(region.base != nullptr);
  uws::net::prefaultForWrite(region.base, 0);
  const std::vector<bool> resident = region.resident();
  CHECK(!resident[0]);
  CHECK(!resident[1]);
}
