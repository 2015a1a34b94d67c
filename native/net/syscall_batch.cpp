#include "net/syscall_batch.h"

#include <linux/io_uring.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

// valgrind cannot see the kernel write through the ring: where its headers
// are installed, receives tell it (no-ops unless running under valgrind).
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define UWS_MARK_RECEIVED(at, length) VALGRIND_MAKE_MEM_DEFINED(at, length)
#else
#define UWS_MARK_RECEIVED(at, length) ((void)0)
#endif

namespace uws::net {

namespace {

// A forked child shares the ring's memory with its parent: it must not
// submit through it (only a fork without exec can run our code there).
std::atomic<bool> g_inForkedChild{false};

void noteForkedChild() { g_inForkedChild.store(true, std::memory_order_relaxed); }

bool ringAllowed() {
  static const bool registered = pthread_atfork(nullptr, nullptr, noteForkedChild) == 0;
  if (!registered || g_inForkedChild.load(std::memory_order_relaxed)) return false;
  // UWS_IO_URING=0: one call at a time (the test suite runs both ways;
  // valgrind cannot follow what the kernel does through the ring).
  const char* setting = std::getenv("UWS_IO_URING");
  return !(setting && std::strcmp(setting, "0") == 0);
}

template <typename T>
T loadAcquire(const T* at) {
  return __atomic_load_n(at, __ATOMIC_ACQUIRE);
}

template <typename T>
void storeRelease(T* at, T value) {
  __atomic_store_n(at, value, __ATOMIC_RELEASE);
}

}  // namespace

// The io_uring instance, set up with raw system calls (no liburing: three
// calls and two ring buffers are all this needs).
class SyscallBatch::Ring {
 public:
  static constexpr unsigned kEntries = 256;
  static constexpr int kMaxRetries = 100;

  static std::unique_ptr<Ring> open() {
    // One submitting thread (ours), completions handled only when we wait
    // for them: Linux 6.1 and later. Older kernels are left to plain calls
    // on purpose: there, what a send that would block does inside the ring
    // (fail with EAGAIN, as MSG_DONTWAIT asks, rather than wait) varied
    // between versions, and run() must never wait on a socket.
    io_uring_params params{};
    params.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    const int fd = static_cast<int>(syscall(__NR_io_uring_setup, kEntries, &params));
    if (fd < 0) return nullptr;  // ENOSYS, EINVAL (older), EPERM (seccomp, sysctl)
    std::unique_ptr<Ring> ring(new Ring(fd));
    return ring->map(params) ? std::move(ring) : nullptr;
  }

  ~Ring() {
    if (sqes_) munmap(sqes_, sqesSize_);
    if (cqRing_ && cqRing_ != sqRing_) munmap(cqRing_, cqRingSize_);
    if (sqRing_) munmap(sqRing_, sqRingSize_);
    ::close(fd_);
  }

  // Makes `count` (≤ kEntries) calls. Returns how many of them were made
  // (results set); the rest, if any, the kernel never took. After an
  // error (broken()) the ring must not be used again: a result could
  // still arrive late.
  bool broken() const { return broken_; }
  size_t run(const Call* calls, size_t count, ssize_t* results, uint8_t* peekByte) {
    unsigned tail = *sqTail_;
    for (size_t i = 0; i < count; ++i) prepare(sqes_[tail++ & sqMask_], calls[i], i, peekByte);
    storeRelease(sqTail_, tail);
    size_t toSubmit = count;
    size_t reaped = 0;
    int retries = 0;
    while (reaped < count) {
      const long entered =
          syscall(__NR_io_uring_enter, fd_, static_cast<unsigned>(toSubmit),
                  static_cast<unsigned>(count - reaped), IORING_ENTER_GETEVENTS, nullptr, 0);
      if (entered >= 0) {
        toSubmit -= static_cast<size_t>(entered);
      } else {
        // EINTR, or EAGAIN/EBUSY (the kernel is short of memory for a
        // moment): try again, but not forever inside a wakeup.
        const bool transient = errno == EINTR || errno == EAGAIN || errno == EBUSY;
        if (!transient || ++retries > kMaxRetries) {
          reap(results, count);
          broken_ = true;
          return abandon(calls, count, toSubmit, results);
        }
      }
      reaped += reap(results, count);
    }
    return count;
  }

 private:
  explicit Ring(int fd) : fd_(fd) {}

  bool map(const io_uring_params& params) {
    sqRingSize_ = params.sq_off.array + params.sq_entries * sizeof(unsigned);
    cqRingSize_ = params.cq_off.cqes + params.cq_entries * sizeof(io_uring_cqe);
    const bool single = (params.features & IORING_FEAT_SINGLE_MMAP) != 0;
    if (single) sqRingSize_ = cqRingSize_ = std::max(sqRingSize_, cqRingSize_);
    sqRing_ = mapRegion(sqRingSize_, IORING_OFF_SQ_RING);
    if (!sqRing_) return false;
    cqRing_ = single ? sqRing_ : mapRegion(cqRingSize_, IORING_OFF_CQ_RING);
    sqesSize_ = params.sq_entries * sizeof(io_uring_sqe);
    sqes_ = static_cast<io_uring_sqe*>(mapRegion(sqesSize_, IORING_OFF_SQES));
    if (!cqRing_ || !sqes_) return false;
    auto* sq = static_cast<uint8_t*>(sqRing_);
    auto* cq = static_cast<uint8_t*>(cqRing_);
    sqHead_ = reinterpret_cast<unsigned*>(sq + params.sq_off.head);
    sqTail_ = reinterpret_cast<unsigned*>(sq + params.sq_off.tail);
    sqMask_ = *reinterpret_cast<unsigned*>(sq + params.sq_off.ring_mask);
    cqHead_ = reinterpret_cast<unsigned*>(cq + params.cq_off.head);
    cqTail_ = reinterpret_cast<unsigned*>(cq + params.cq_off.tail);
    cqMask_ = *reinterpret_cast<unsigned*>(cq + params.cq_off.ring_mask);
    cqes_ = reinterpret_cast<io_uring_cqe*>(cq + params.cq_off.cqes);
    // Submission slot i always names SQE i.
    auto* array = reinterpret_cast<unsigned*>(sq + params.sq_off.array);
    for (unsigned i = 0; i < params.sq_entries; ++i) array[i] = i;
    return params.sq_entries >= kEntries;
  }

  void* mapRegion(size_t size, off_t offset) const {
    void* at = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, offset);
    return at == MAP_FAILED ? nullptr : at;
  }

  static void prepare(io_uring_sqe& sqe, const Call& call, size_t index, uint8_t* peekByte) {
    std::memset(&sqe, 0, sizeof sqe);
    sqe.fd = call.fd;
    sqe.user_data = index;
    switch (call.kind) {
      case Kind::kSend:
        sqe.opcode = IORING_OP_SEND;
        sqe.addr = reinterpret_cast<uintptr_t>(call.data);
        sqe.len = static_cast<uint32_t>(call.length);
        sqe.msg_flags = static_cast<uint32_t>(call.flags | MSG_DONTWAIT | MSG_NOSIGNAL);
        break;
      case Kind::kRecv:
        sqe.opcode = IORING_OP_RECV;
        sqe.addr = reinterpret_cast<uintptr_t>(call.data);
        sqe.len = static_cast<uint32_t>(call.length);
        sqe.msg_flags = MSG_DONTWAIT;
        break;
      case Kind::kPeek:
        sqe.opcode = IORING_OP_RECV;
        sqe.addr = reinterpret_cast<uintptr_t>(peekByte);
        sqe.len = 1;
        sqe.msg_flags = MSG_PEEK | MSG_DONTWAIT;
        break;
    }
  }

  size_t reap(ssize_t* results, size_t count) {
    unsigned head = *cqHead_;
    const unsigned tail = loadAcquire(cqTail_);
    size_t reaped = 0;
    for (; head != tail; ++head) {
      const io_uring_cqe& cqe = cqes_[head & cqMask_];
      if (cqe.user_data >= count) continue;  // cannot happen while the ring is sound
      results[cqe.user_data] = cqe.res;
      ++reaped;
    }
    storeRelease(cqHead_, head);
    return reaped;
  }

  // An unexpected io_uring_enter() error: the calls the kernel took have
  // been made, but those whose results did not arrive count as failed (a
  // send or receive then closes its connection; a peek says input waits,
  // the answer that keeps a connection from being reset); the caller makes
  // the calls the kernel did not take.
  static size_t abandon(const Call* calls, size_t count, size_t untaken, ssize_t* results) {
    const size_t taken = count - untaken;
    for (size_t i = 0; i < taken; ++i) {
      if (results[i] == kPending) results[i] = calls[i].kind == Kind::kPeek ? 1 : -EIO;
    }
    return taken;
  }

  int fd_;
  bool broken_ = false;
  void* sqRing_ = nullptr;
  void* cqRing_ = nullptr;
  io_uring_sqe* sqes_ = nullptr;
  size_t sqRingSize_ = 0;
  size_t cqRingSize_ = 0;
  size_t sqesSize_ = 0;
  unsigned* sqHead_ = nullptr;
  unsigned* sqTail_ = nullptr;
  unsigned sqMask_ = 0;
  unsigned* cqHead_ = nullptr;
  unsigned* cqTail_ = nullptr;
  unsigned cqMask_ = 0;
  io_uring_cqe* cqes_ = nullptr;
};

SyscallBatch::SyscallBatch() {
  if (ringAllowed()) ring_ = Ring::open();
}

SyscallBatch::~SyscallBatch() = default;

size_t SyscallBatch::add(const Call& call) {
  calls_.push_back(call);
  return calls_.size() - 1;
}

size_t SyscallBatch::send(int fd, const void* data, size_t length, int flags) {
  return add({Kind::kSend, fd, flags, data, length});
}

size_t SyscallBatch::recv(int fd, void* into, size_t length) {
  return add({Kind::kRecv, fd, 0, into, length});
}

size_t SyscallBatch::peek(int fd) { return add({Kind::kPeek, fd, 0, nullptr, 0}); }

ssize_t SyscallBatch::runOne(const Call& call) {
  ssize_t result = 0;
  switch (call.kind) {
    case Kind::kSend:
      result = ::send(call.fd, call.data, call.length, call.flags | MSG_DONTWAIT | MSG_NOSIGNAL);
      break;
    case Kind::kRecv:
      result = ::recv(call.fd, const_cast<void*>(call.data), call.length, MSG_DONTWAIT);
      break;
    case Kind::kPeek:
      result = ::recv(call.fd, &peekByte_, 1, MSG_PEEK | MSG_DONTWAIT);
      break;
  }
  return result < 0 ? -errno : result;
}

void SyscallBatch::run() {
  if (calls_.empty()) return;
  results_.assign(calls_.size(), kPending);
  size_t done = 0;
  if (ring_ && g_inForkedChild.load(std::memory_order_relaxed)) ring_.reset();
  // A single call is cheaper made directly than through the ring.
  while (ring_ && calls_.size() - done >= 2) {
    const size_t count = std::min<size_t>(calls_.size() - done, Ring::kEntries);
    const size_t made = ring_->run(calls_.data() + done, count, results_.data() + done, &peekByte_);
    for (size_t i = done; i < done + made; ++i) {
      if (calls_[i].kind == Kind::kRecv && results_[i] > 0) {
        UWS_MARK_RECEIVED(calls_[i].data, static_cast<size_t>(results_[i]));
      }
    }
    done += made;
    if (ring_->broken()) ring_.reset();
  }
  for (; done < calls_.size(); ++done) results_[done] = runOne(calls_[done]);
}

void SyscallBatch::clear() {
  calls_.clear();
  results_.clear();
}

}  // namespace uws::net
