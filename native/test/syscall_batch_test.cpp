// System calls made together (net/syscall_batch.h): the same results, in
// the same order, through io_uring and one by one, on socket pairs. Every
// test runs both ways (the ring where the kernel allows it).
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "net/syscall_batch.h"
#include "test/test_harness.h"

using uws::net::SyscallBatch;

namespace {

struct SocketPair {
  int fds[2] = {-1, -1};
  SocketPair() { socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds); }
  ~SocketPair() {
    for (int fd : fds) {
      if (fd >= 0) ::close(fd);
    }
  }
};

// A batch using io_uring where it can (`ring`), or one making plain calls.
std::unique_ptr<SyscallBatch> makeBatch(bool ring) {
  if (ring) return std::make_unique<SyscallBatch>();
  // The process's own setting is put back (the JS tests read it too).
  const char* setting = std::getenv("UWS_IO_URING");
  const std::string saved = setting ? setting : "";
  setenv("UWS_IO_URING", "0", 1);
  auto batch = std::make_unique<SyscallBatch>();
  if (setting) {
    setenv("UWS_IO_URING", saved.c_str(), 1);
  } else {
    unsetenv("UWS_IO_URING");
  }
  return batch;
}

template <class Test>
void bothWays(Test test) {
  for (const bool ring : {true, false}) {
    std::unique_ptr<SyscallBatch> batch = makeBatch(ring);
    if (!ring) CHECK(!batch->usesRing());
    test(*batch);
  }
}

}  // namespace

UWS_TEST(syscall_batch_makes_more_calls_than_the_ring_holds_in_order) {
  bothWays([](SyscallBatch& batch) {
    // 600 one-byte sends over 4 pairs (more than one ring's 256 entries),
    // then one receive per pair: each gets its bytes in the order sent.
    SocketPair pairs[4];
    std::vector<uint8_t> bytes(600);
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i % 251);
    for (size_t i = 0; i < bytes.size(); ++i) batch.send(pairs[i % 4].fds[0], &bytes[i], 1, 0);
    batch.run();
    for (size_t i = 0; i < bytes.size(); ++i) CHECK_EQ(batch.result(i), 1);
    batch.clear();
    CHECK(batch.empty());

    uint8_t received[4][256];
    for (size_t p = 0; p < 4; ++p) batch.recv(pairs[p].fds[1], received[p], sizeof received[p]);
    batch.run();
    for (size_t p = 0; p < 4; ++p) {
      CHECK_EQ(batch.result(p), 150);
      for (size_t k = 0; k < 150; ++k) CHECK_EQ(received[p][k], bytes[p + 4 * k]);
    }
    batch.clear();
  });
}

UWS_TEST(syscall_batch_reports_errors_as_negative_errno) {
  bothWays([](SyscallBatch& batch) {
    SocketPair open;
    SocketPair halfClosed;
    ::close(halfClosed.fds[1]);
    halfClosed.fds[1] = -1;
    uint8_t byte = 7;
    uint8_t into[16];
    const size_t nothingYet = batch.recv(open.fds[1], into, sizeof into);
    const size_t quiet = batch.peek(open.fds[1]);
    const size_t toClosed = batch.send(halfClosed.fds[0], &byte, 1, 0);  // no SIGPIPE
    const size_t badFd = batch.send(-1, &byte, 1, 0);
    batch.run();
    CHECK_EQ(batch.result(nothingYet), -EAGAIN);
    CHECK_EQ(batch.result(quiet), -EAGAIN);
    CHECK_EQ(batch.result(toClosed), -EPIPE);
    CHECK_EQ(batch.result(badFd), -EBADF);
    batch.clear();
  });
}

UWS_TEST(syscall_batch_peeks_without_consuming_and_sees_earlier_calls) {
  bothWays([](SyscallBatch& batch) {
    SocketPair pair;
    const uint8_t bytes[3] = {1, 2, 3};
    uint8_t into[8] = {};
    // One batch: the send comes before the peek and the receive.
    batch.send(pair.fds[0], bytes, 3, 0);
    const size_t peek = batch.peek(pair.fds[1]);
    const size_t recv = batch.recv(pair.fds[1], into, sizeof into);
    batch.run();
    CHECK_EQ(batch.result(peek), 1);
    CHECK_EQ(batch.result(recv), 3);
    CHECK_EQ(into[0], 1);
    CHECK_EQ(into[2], 3);
    batch.clear();
    // The peer's end: a receive returns 0, a peek too.
    ::close(pair.fds[0]);
    pair.fds[0] = -1;
    const size_t end = batch.recv(pair.fds[1], into, sizeof into);
    const size_t endPeek = batch.peek(pair.fds[1]);
    batch.run();
    CHECK_EQ(batch.result(end), 0);
    CHECK_EQ(batch.result(endPeek), 0);
    batch.clear();
  });
}
