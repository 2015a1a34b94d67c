// One client WebSocket connection as a state machine driven by epoll:
// non-blocking connect from a chosen 127.0.0.x source address, upgrade,
// masked echo messages verified byte for byte as they stream in (so 16 MiB
// replies are never buffered), and the clean close handshake
// (send close 1000, wait for the server's close frame, then its EOF).
//
// A Client object is reusable: start() begins a fresh connection, which the
// connection-rate scenario uses to avoid allocating per connection.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <vector>

#include "error_log.hpp"
#include "event_loop.hpp"
#include "payload.hpp"

class Client;

// Scenario callbacks. on_closed is never called from inside another
// callback of the same client, so a scenario may start() the client again
// from it only after the current poll_once() finishes (see ConnRate).
class ClientEvents {
 public:
  virtual ~ClientEvents() = default;
  virtual void on_open(Client& client) = 0;
  virtual void on_message(Client& client) = 0;  // one echo received and verified
  virtual void on_closed(Client& client, bool clean) = 0;
};

struct ClientConfig {
  sockaddr_in target{};
  std::string host_header;
  const PayloadPattern* payload = nullptr;
  int64_t timeout_ms = 10000;  // longest wait for any progress
  // TCP_NODELAY: needed when a client sends while earlier bytes are not yet
  // acknowledged (several messages in flight, large messages). With one
  // exchange at a time (connrate) every send follows a reply that carried
  // the ACK, so Nagle never holds anything back: one system call saved.
  bool nodelay = true;
  // Echoed payload bytes verified so far, over all clients: throughput of
  // 16 MiB messages is measured in bytes, not in (few) whole messages.
  uint64_t* verified_bytes = nullptr;
};

class Client final : public IoHandler {
 public:
  enum class State { Idle, Connecting, Handshaking, Open, Closing, AwaitEof, Done };

  Client(uint32_t id, EventLoop& loop, ClientEvents& events, const ClientConfig& config,
         ErrorLog& errors);
  ~Client() override;

  // Begins a new connection from `source` (port 0: chosen at connect time).
  void start(in_addr source);
  void send_message();  // queues one message; replies are matched in order
  void begin_close();   // Open -> Closing; must have no messages in flight
  void check_timeout(int64_t now_ms);

  void handle_io(uint32_t events) override;

  uint32_t id() const { return id_; }
  State state() const { return state_; }
  uint32_t in_flight() const { return in_flight_; }
  uint64_t messages_received() const { return received_sequence_; }

 private:
  void finish_connect();
  void queue_handshake_request();      // the upgrade request into out_
  void read_available(bool peer_ended);  // peer_ended: epoll saw its FIN
  void handle_handshake_bytes(const uint8_t* data, size_t length);
  void consume_frames(const uint8_t* data, size_t length);
  bool start_frame();   // header complete: validate; false if failed
  bool data_payload(const uint8_t* data, size_t length);
  void finish_frame();
  void handle_control_frame();
  void append_frame(uint8_t frame_opcode, const PayloadParts& parts);
  void flush();
  void update_interest();
  void refresh_deadline();
  void fail(ErrorKind kind, const std::string& detail);
  void teardown(bool clean);
  void report_if_closed();
  uint32_t next_random();
  const char* state_name() const;

  const uint32_t id_;
  EventLoop& loop_;
  ClientEvents& events_;
  const ClientConfig& config_;
  ErrorLog& errors_;
  uint32_t random_state_;

  int fd_ = -1;
  State state_ = State::Idle;
  bool in_dispatch_ = false;  // inside handle_io: writes are batched until it ends
  bool closed_unreported_ = false;
  bool closed_clean_ = false;
  uint32_t registered_events_ = 0;
  int64_t deadline_ms_ = 0;  // 0: not waiting for anything

  std::string expected_accept_;
  std::string response_head_;

  std::vector<uint8_t> out_;
  size_t out_offset_ = 0;

  // Streaming frame reader.
  uint8_t header_[14];
  size_t header_have_ = 0;
  bool in_payload_ = false;
  uint64_t payload_left_ = 0;
  uint8_t frame_opcode_ = 0;
  bool frame_fin_ = false;
  uint8_t control_payload_[125];
  size_t control_length_ = 0;

  // Echo bookkeeping: message n sent is the n-th reply expected.
  bool in_message_ = false;
  uint64_t message_offset_ = 0;
  uint8_t expected_tag_[PayloadPattern::kTagLength];
  uint32_t sent_sequence_ = 0;
  uint32_t received_sequence_ = 0;
  uint32_t in_flight_ = 0;
};
