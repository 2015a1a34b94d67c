#include "net/cork_buffer.h"

#include <cstring>

#include "net/connection.h"

namespace uws::net {

CorkBuffer::CorkBuffer(SyscallBatch& syscalls) : syscalls_(syscalls), bytes_(new uint8_t[kSize]) {}

void CorkBuffer::open(Connection* owner) {
  owner_ = owner;
  length_ = 0;
}

void CorkBuffer::close() {
  owner_ = nullptr;
  length_ = 0;
}

void CorkBuffer::park() {
  parked_.push_back({owner_, parkedEnd_, length_, 0});
  parkedEnd_ += length_;
  close();
}

void CorkBuffer::unpark(Connection* connection) {
  // From the back: a connection that must write early was usually parked
  // last (and wakeups park a few hundred connections at most).
  for (auto it = parked_.rbegin(); it != parked_.rend(); ++it) {
    if (it->connection != connection) continue;
    it->connection = nullptr;
    connection->sendHeld(bytes_.get() + it->offset, it->length);
    return;
  }
}

void CorkBuffer::sendParked() {
  // All in one batch of system calls. A connection has one parked region
  // at most (writeBytes() unparks before corking again), so no send here
  // can overtake another of the same connection's, which a partial send
  // would need to queue behind. Sending neither parks nor unparks (a failed
  // send is handled on a later turn, see Connection::failLater), so the
  // list holds still meanwhile.
  for (Parked& entry : parked_) {
    entry.call = entry.connection ? entry.connection->queueHeldSend(
                                        syscalls_, bytes_.get() + entry.offset, entry.length)
                                  : Connection::kNoCall;
  }
  syscalls_.run();
  for (const Parked& entry : parked_) {
    if (entry.call == Connection::kNoCall) continue;
    entry.connection->heldSendDone(bytes_.get() + entry.offset, entry.length,
                                   syscalls_.result(entry.call));
  }
  syscalls_.clear();
  parked_.clear();
  if (length_) std::memmove(bytes_.get(), bytes_.get() + parkedEnd_, length_);
  parkedEnd_ = 0;
}

void CorkBuffer::sendAll() {
  sendParked();
  if (owner_) owner_->flushCork();
}

void CorkBuffer::endWakeup() {
  inWakeup_ = false;
  sendParked();
}

}  // namespace uws::net
