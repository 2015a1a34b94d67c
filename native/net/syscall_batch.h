// System calls made together: queued, then made in one io_uring_enter()
// where the kernel offers io_uring, else one by one (same order, same
// results). On the benchmark VM every system call entry costs ~1.2 µs
// before any work is done; a send() plus recv() pair on loopback took
// 6.0 µs made one by one and 3.1 µs in batches of eight
// (benchmarks/README.md, "Connection rate").
//
// Only calls that never block go in (sends and receives carry MSG_DONTWAIT
// and sockets are non-blocking), so run()
// returns as soon as the kernel has made them all: callers read the
// results right after, as they would a plain call's.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace uws::net {

class SyscallBatch {
 public:
  SyscallBatch();
  ~SyscallBatch();
  SyscallBatch(const SyscallBatch&) = delete;
  SyscallBatch& operator=(const SyscallBatch&) = delete;

  // Each returns the call's index, by which run() reports its result.
  // send(2) with `flags | MSG_DONTWAIT | MSG_NOSIGNAL`; `data` must stay
  // valid until run() returns.
  size_t send(int fd, const void* data, size_t length, int flags);
  // recv(2) with MSG_DONTWAIT into `into` (valid until run() returns).
  size_t recv(int fd, void* into, size_t length);
  // recv(2) of one byte with MSG_PEEK | MSG_DONTWAIT: > 0 while input waits.
  size_t peek(int fd);

  size_t size() const { return calls_.size(); }
  bool empty() const { return calls_.empty(); }
  // Makes every queued call, in the order queued. result(i) is then what
  // call i returned: its value, or -errno.
  void run();
  ssize_t result(size_t index) const { return results_[index]; }
  // Forgets the calls and their results.
  void clear();

  // Whether run() uses io_uring (tests and the benchmark notes ask).
  bool usesRing() const { return ring_ != nullptr; }

 private:
  enum class Kind : uint8_t { kSend, kRecv, kPeek };
  struct Call {
    Kind kind;
    int fd;
    int flags;
    const void* data;  // kRecv: where to
    size_t length;
  };
  class Ring;

  // A result not known yet (never a system call's return value).
  static constexpr ssize_t kPending = -(ssize_t{1} << 40);

  size_t add(const Call& call);
  ssize_t runOne(const Call& call);

  std::vector<Call> calls_;
  std::vector<ssize_t> results_;
  std::unique_ptr<Ring> ring_;
  uint8_t peekByte_ = 0;  // where peeks put the byte they do not consume
};

}  // namespace uws::net
