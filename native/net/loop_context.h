// Per-loop state shared by every socket of one environment (the main thread
// or one Worker): the receive buffer all reads land in, the cork buffer that
// gathers writes made while events are dispatched, and the connection table.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "net/connection_events.h"
#include "net/cork_buffer.h"
#include "net/slot_table.h"
#include "net/socket_poller.h"
#include "net/syscall_batch.h"

namespace uws::net {

class Connection;
class Listener;
struct ConnectionConfig;
struct ConnectionSettings;

class LoopContext {
 public:
  // Large enough for a 16 KiB request head plus frames behind it, and for
  // many small frames per read; small enough to stay in cache.
  static constexpr size_t kReceiveBufferSize = 256 * 1024;

  LoopContext(uv_loop_t* loop, ConnectionEvents* events);
  ~LoopContext();
  LoopContext(const LoopContext&) = delete;
  LoopContext& operator=(const LoopContext&) = delete;

  uv_loop_t* loop() const { return loop_; }
  SocketPoller& poller() { return *poller_; }

  // A destroyed connection is freed in the loop's check phase, once no
  // callback of this loop turn can still be using it.
  void bury(Connection* connection);
  ConnectionEvents& events() const { return *events_; }
  uint8_t* receiveBuffer() { return receiveBuffer_.get(); }

  // Small writes of the connections being dispatched (see cork_buffer.h).
  CorkBuffer& cork() { return cork_; }
  // System calls made together (syscall_batch.h): a poller wakeup's
  // receives, its parked sends.
  SyscallBatch& syscalls() { return syscalls_; }

  // Connection ids (slot_table.h): an id kept by JS after its connection
  // ended does not reach another connection.
  double registerConnection(Connection* connection);
  void unregisterConnection(double id);
  Connection* findConnection(double id) const;
  // The slot of an id: unique among the connections open at one time, and
  // small (the index of JS's table).
  static uint32_t slotOf(double id);

  // The shared config for these settings (kept until the loop ends; there
  // is one per distinct server configuration).
  const ConnectionConfig& internConfig(const ConnectionSettings& settings);

  // Four unpredictable bytes for a frame mask, drawn from a pool that is
  // refilled from OpenSSL's CSPRNG.
  void randomMaskKey(uint8_t key[4]);

  void addListener(Listener* listener);
  void removeListener(Listener* listener);

  // Closes every listener and connection (environment teardown). `done` runs
  // once every libuv handle has been closed.
  void closeAll(void (*done)(void*), void* data);
  void handleClosed();
  void handleOpened() { ++openHandles_; }
  // True once closeAll() began: the environment is going away, nothing may
  // call into JS any more.
  bool tearingDown() const { return tearingDown_; }

 private:

  static void onCheck(uv_check_t* handle);
  static void onCheckClosed(uv_handle_t* handle);
  void freeBuried();

  uv_loop_t* loop_;
  ConnectionEvents* events_;
  SocketPoller* poller_;
  uv_check_t reaper_;
  std::vector<Connection*> buried_;
  std::unique_ptr<uint8_t[]> receiveBuffer_;
  SyscallBatch syscalls_;  // before cork_, which sends through it
  CorkBuffer cork_;
  std::unique_ptr<uint8_t[]> maskPool_;
  size_t maskPoolUsed_ = 0;
  std::vector<std::unique_ptr<ConnectionConfig>> configs_;
  SlotTable<Connection> connections_;
  std::vector<Listener*> listeners_;
  size_t openHandles_ = 0;
  bool tearingDown_ = false;
  void (*closedCallback_)(void*) = nullptr;
  void* closedData_ = nullptr;
};

}  // namespace uws::net
