// Where the small writes of connections being dispatched gather, so that
// each connection's writes of one dispatch leave in one send().
//
// One connection at a time owns the open region (its events are being
// dispatched). When its dispatch ends inside a poller wakeup, its bytes may
// stay ("parked") and leave with every other parked connection's at the
// end of the wakeup. Sending them back to back means a busy peer process is
// woken once per wakeup rather than once per connection: on the benchmark
// VM, waking the other core inside send() was the largest single cost of a
// pipelined echo (benchmarks/README.md, "Profile findings").
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace uws::net {

class Connection;
class SyscallBatch;

class CorkBuffer {
 public:
  static constexpr size_t kSize = 64 * 1024;

  // Parked regions leave through `syscalls`, all in one batch.
  explicit CorkBuffer(SyscallBatch& syscalls);

  Connection* owner() const { return owner_; }
  // The owner's region starts after the parked ones.
  void open(Connection* owner);
  // No owner any more; its unsent bytes are dropped (it sent them first).
  void close();
  uint8_t* data() { return bytes_.get() + parkedEnd_; }
  size_t& length() { return length_; }
  // Room for the owner's region.
  size_t capacity() const { return kSize - parkedEnd_; }

  // Parking is allowed only between beginWakeup() and endWakeup(), which
  // sends what is parked: nothing can stay behind when the wakeup ends.
  void beginWakeup() { inWakeup_ = true; }
  void endWakeup();
  bool canPark() const { return inWakeup_; }
  // The owner's bytes stay until the wakeup ends (or unpark()); no owner after.
  void park();
  // Sends one parked connection's bytes now: it has to write something
  // else, or close, before the wakeup ends.
  void unpark(Connection* connection);
  // Sends every parked region and moves the owner's bytes to the front:
  // the owner needs more room.
  void sendParked();
  // Sends everything held, the owner's bytes too (the process is exiting).
  void sendAll();

 private:
  struct Parked {
    Connection* connection;
    size_t offset;
    size_t length;
    size_t call;  // its send in the batch (sendParked)
  };

  SyscallBatch& syscalls_;
  std::unique_ptr<uint8_t[]> bytes_;
  Connection* owner_ = nullptr;
  size_t length_ = 0;     // the owner's bytes
  size_t parkedEnd_ = 0;  // where the parked regions end and the owner's starts
  std::vector<Parked> parked_;
  bool inWakeup_ = false;
};

}  // namespace uws::net
