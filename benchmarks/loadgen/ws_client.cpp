#include "ws_client.hpp"

#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "frame.hpp"
#include "handshake.hpp"

namespace {

// One receive buffer for all connections: the loop is single-threaded and
// every byte is consumed (verified) before the next read.
uint8_t g_receive_buffer[256 * 1024];

constexpr uint16_t kCloseNormal = 1000;

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

Client::Client(uint32_t id, EventLoop& loop, ClientEvents& events, const ClientConfig& config,
               ErrorLog& errors)
    : id_(id), loop_(loop), events_(events), config_(config), errors_(errors),
      random_state_(0x2545F491u ^ (id * 0x9E3779B1u)) {
  if (random_state_ == 0) random_state_ = 1;
}

Client::~Client() {
  if (fd_ >= 0) close(fd_);
}

uint32_t Client::next_random() {
  random_state_ ^= random_state_ << 13;
  random_state_ ^= random_state_ >> 17;
  random_state_ ^= random_state_ << 5;
  return random_state_;
}

const char* Client::state_name() const {
  switch (state_) {
    case State::Idle: return "idle";
    case State::Connecting: return "connecting";
    case State::Handshaking: return "handshaking";
    case State::Open: return "open";
    case State::Closing: return "closing (close sent, waiting for close reply)";
    case State::AwaitEof: return "closing (close received, waiting for EOF)";
    case State::Done: return "done";
  }
  return "?";
}

void Client::start(in_addr source) {
  // Reset everything a previous connection may have left behind.
  state_ = State::Connecting;
  closed_unreported_ = false;
  closed_clean_ = false;
  registered_events_ = 0;
  response_head_.clear();
  out_.clear();
  out_offset_ = 0;
  header_have_ = 0;
  in_payload_ = false;
  in_message_ = false;
  control_length_ = 0;
  sent_sequence_ = received_sequence_ = in_flight_ = 0;

  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    fail(ErrorKind::Connect, "socket: " + errno_text(errno));
    return;
  }
  int one = 1;
  if (config_.nodelay) setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // Defer the port choice to connect(), where the kernel knows the whole
  // 4-tuple: each source address then has the full ephemeral range.
  setsockopt(fd_, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_addr = source;
  if (bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    fail(ErrorKind::Connect, "bind: " + errno_text(errno));
    return;
  }
  if (connect(fd_, reinterpret_cast<const sockaddr*>(&config_.target), sizeof config_.target) != 0 &&
      errno != EINPROGRESS) {
    fail(ErrorKind::Connect, "connect: " + errno_text(errno));
    return;
  }
  queue_handshake_request();
  // On loopback the TCP handshake has usually completed inside connect():
  // sending the request at once saves waiting for EPOLLOUT (a wake-up, a
  // getsockopt and an epoll_ctl per connection). A socket still connecting
  // answers EAGAIN and the request waits for EPOLLOUT instead.
  ssize_t sent = send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
  if (sent >= 0) {
    out_offset_ = size_t(sent);
    state_ = State::Handshaking;
    if (out_offset_ == out_.size()) {
      out_.clear();
      out_offset_ = 0;
    }
  } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    fail(ErrorKind::Connect, "connect: " + errno_text(errno));
    return;
  }
  refresh_deadline();
  update_interest();
}

void Client::handle_io(uint32_t events) {
  // Stale events for a connection torn down earlier in the same batch.
  if (state_ == State::Done || state_ == State::Idle) return;
  in_dispatch_ = true;
  if (state_ == State::Connecting) {
    finish_connect();
  } else {
    // A reset also reports EPOLLRDHUP, with EPOLLERR/EPOLLHUP: only a FIN
    // may end the connection cleanly without a recv().
    const bool fin = (events & EPOLLRDHUP) && !(events & (EPOLLERR | EPOLLHUP));
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_available(fin);
  }
  if (state_ != State::Done && state_ != State::Connecting) flush();
  if (state_ != State::Done) update_interest();
  in_dispatch_ = false;
  report_if_closed();
}

void Client::finish_connect() {
  int err = 0;
  socklen_t length = sizeof err;
  getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &length);
  if (err != 0) {
    fail(ErrorKind::Connect, "connect: " + errno_text(err));
    return;
  }
  state_ = State::Handshaking;  // the queued request goes out in flush()
  refresh_deadline();
}

void Client::queue_handshake_request() {
  uint8_t nonce[16];
  for (int i = 0; i < 16; i += 4) {
    uint32_t r = next_random();
    std::memcpy(nonce + i, &r, 4);
  }
  HandshakeRequest request = build_handshake_request(config_.host_header, nonce);
  expected_accept_ = request.expected_accept;
  out_.assign(request.text.begin(), request.text.end());
}

void Client::read_available(bool peer_ended) {
  ssize_t n = recv(fd_, g_receive_buffer, sizeof g_receive_buffer, 0);
  if (n > 0) {
    refresh_deadline();
    if (state_ == State::Handshaking) {
      handle_handshake_bytes(g_receive_buffer, size_t(n));
    } else {
      consume_frames(g_receive_buffer, size_t(n));
    }
    // The server's FIN usually rides with its close frame. The peer's FIN is
    // only reported once every byte before it is queued, and a read shorter
    // than the buffer took the whole queue: this is the EOF, without the
    // recv() that would return 0.
    if (peer_ended && state_ == State::AwaitEof && size_t(n) < sizeof g_receive_buffer) {
      teardown(true);
    }
  } else if (n == 0) {
    if (state_ == State::AwaitEof) {
      teardown(true);
    } else {
      fail(ErrorKind::Protocol, std::string("unexpected EOF while ") + state_name());
    }
  } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    fail(ErrorKind::Io, std::string("recv while ") + state_name() + ": " + errno_text(errno));
  }
}

void Client::handle_handshake_bytes(const uint8_t* data, size_t length) {
  response_head_.append(reinterpret_cast<const char*>(data), length);
  HandshakeResult result = check_handshake_response(response_head_, expected_accept_);
  if (result.status == HandshakeStatus::Incomplete) return;
  if (result.status == HandshakeStatus::Rejected) {
    fail(ErrorKind::Handshake, result.reason);
    return;
  }
  std::string early_frames = response_head_.substr(result.header_length);
  std::string().swap(response_head_);  // idle connections keep no handshake memory
  std::string().swap(expected_accept_);
  state_ = State::Open;
  refresh_deadline();
  events_.on_open(*this);
  if (!early_frames.empty() && state_ != State::Done) {
    consume_frames(reinterpret_cast<const uint8_t*>(early_frames.data()), early_frames.size());
  }
}

void Client::consume_frames(const uint8_t* data, size_t length) {
  while (length > 0 && state_ != State::Done) {
    if (state_ == State::AwaitEof) {
      fail(ErrorKind::Protocol, "data after the close frame");
      return;
    }
    if (!in_payload_) {
      // Accumulate the header: 2 bytes tell how long the rest of it is.
      size_t need = header_have_ < 2 ? 2 : frame_header_length(header_);
      size_t take = need - header_have_ < length ? need - header_have_ : length;
      std::memcpy(header_ + header_have_, data, take);
      header_have_ += take;
      data += take;
      length -= take;
      if (header_have_ < 2) continue;
      if (header_have_ < frame_header_length(header_)) continue;
      if (!start_frame()) return;
      if (payload_left_ == 0) finish_frame();
      continue;
    }
    size_t take = payload_left_ < length ? size_t(payload_left_) : length;
    if (frame_opcode_ >= opcode::kClose) {
      std::memcpy(control_payload_ + control_length_, data, take);
      control_length_ += take;
    } else if (!data_payload(data, take)) {
      return;
    }
    payload_left_ -= take;
    data += take;
    length -= take;
    if (payload_left_ == 0) finish_frame();
  }
}

bool Client::start_frame() {
  FrameHeader header = decode_frame_header(header_);
  header_have_ = 0;
  if (header.masked) {
    fail(ErrorKind::Protocol, "server frame is masked");
    return false;
  }
  if (header.rsv != 0) {
    fail(ErrorKind::Protocol, "RSV bits set without a negotiated extension");
    return false;
  }
  if (header.payload_length >> 63) {
    fail(ErrorKind::Protocol, "64-bit length with the top bit set");
    return false;
  }
  frame_opcode_ = header.opcode;
  frame_fin_ = header.fin;
  payload_left_ = header.payload_length;
  in_payload_ = true;
  const PayloadPattern& pattern = *config_.payload;

  if (frame_opcode_ >= opcode::kClose) {
    if (frame_opcode_ > opcode::kPong) {
      fail(ErrorKind::Protocol, "reserved control opcode " + std::to_string(frame_opcode_));
      return false;
    }
    if (!frame_fin_ || header.payload_length > 125) {
      fail(ErrorKind::Protocol, "fragmented or oversized control frame");
      return false;
    }
    control_length_ = 0;
    return true;
  }
  if (frame_opcode_ == opcode::kContinuation) {
    if (!in_message_) {
      fail(ErrorKind::Protocol, "continuation frame outside a message");
      return false;
    }
  } else if (frame_opcode_ == opcode::kText || frame_opcode_ == opcode::kBinary) {
    if (in_message_) {
      fail(ErrorKind::Protocol, "new message before the previous one finished");
      return false;
    }
    if (in_flight_ == 0) {
      fail(ErrorKind::Protocol, "message received but none was in flight");
      return false;
    }
    if ((frame_opcode_ == opcode::kBinary) != pattern.binary()) {
      fail(ErrorKind::Mismatch, "echo changed the message type (text/binary)");
      return false;
    }
    in_message_ = true;
    message_offset_ = 0;
    pattern.make_tag(id_, received_sequence_, expected_tag_);
  } else {
    fail(ErrorKind::Protocol, "reserved data opcode " + std::to_string(frame_opcode_));
    return false;
  }
  if (message_offset_ + payload_left_ > pattern.size()) {
    fail(ErrorKind::Mismatch, "echoed message longer than the " + std::to_string(pattern.size()) +
                                  " bytes sent");
    return false;
  }
  return true;
}

bool Client::data_payload(const uint8_t* data, size_t length) {
  if (!config_.payload->matches(expected_tag_, size_t(message_offset_), data, length)) {
    size_t at = size_t(message_offset_) +
                config_.payload->first_difference(expected_tag_, size_t(message_offset_), data, length);
    fail(ErrorKind::Mismatch, "echoed byte " + std::to_string(at) + " of message " +
                                  std::to_string(received_sequence_) + " differs from the one sent");
    return false;
  }
  message_offset_ += length;
  if (config_.verified_bytes) *config_.verified_bytes += length;
  return true;
}

void Client::finish_frame() {
  in_payload_ = false;
  if (frame_opcode_ >= opcode::kClose) {
    handle_control_frame();
    return;
  }
  if (!frame_fin_) return;
  if (message_offset_ != config_.payload->size()) {
    fail(ErrorKind::Mismatch, "echoed message has " + std::to_string(message_offset_) +
                                  " bytes, sent " + std::to_string(config_.payload->size()));
    return;
  }
  in_message_ = false;
  ++received_sequence_;
  --in_flight_;
  refresh_deadline();
  events_.on_message(*this);
}

void Client::handle_control_frame() {
  if (frame_opcode_ == opcode::kPing) {
    PayloadParts parts;
    parts.first = control_payload_;
    parts.first_length = control_length_;
    append_frame(opcode::kPong, parts);
    return;
  }
  if (frame_opcode_ == opcode::kPong) return;  // unsolicited pongs are allowed

  // Close frame.
  int code = -1;
  if (control_length_ == 1) {
    fail(ErrorKind::Protocol, "close frame with a 1-byte payload");
    return;
  }
  if (control_length_ >= 2) code = (control_payload_[0] << 8) | control_payload_[1];
  if (state_ != State::Closing) {
    fail(ErrorKind::Protocol, "server sent close (code " + std::to_string(code) + ") while " +
                                  state_name());
    return;
  }
  if (code != -1 && code != kCloseNormal) {
    fail(ErrorKind::Protocol, "close reply has code " + std::to_string(code) + ", expected 1000");
    return;
  }
  state_ = State::AwaitEof;
  refresh_deadline();
}

void Client::append_frame(uint8_t frame_opcode, const PayloadParts& parts) {
  append_masked_frame(out_, frame_opcode, parts, next_random());
  if (!in_dispatch_) {
    flush();
    if (state_ != State::Done) update_interest();
    report_if_closed();
  }
}

void Client::send_message() {
  const PayloadPattern& pattern = *config_.payload;
  uint8_t tag[PayloadPattern::kTagLength];
  pattern.make_tag(id_, sent_sequence_++, tag);
  ++in_flight_;
  refresh_deadline();
  append_frame(pattern.binary() ? opcode::kBinary : opcode::kText, pattern.parts(tag));
}

void Client::begin_close() {
  if (state_ != State::Open) return;
  state_ = State::Closing;
  refresh_deadline();
  uint8_t code[2] = {uint8_t(kCloseNormal >> 8), uint8_t(kCloseNormal & 0xFF)};
  PayloadParts parts;
  parts.first = code;
  parts.first_length = 2;
  append_frame(opcode::kClose, parts);
}

void Client::flush() {
  while (out_offset_ < out_.size()) {
    ssize_t n = send(fd_, out_.data() + out_offset_, out_.size() - out_offset_, MSG_NOSIGNAL);
    if (n > 0) {
      out_offset_ += size_t(n);
      refresh_deadline();
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;  // update_interest() arms EPOLLOUT
    } else {
      fail(ErrorKind::Io, std::string("send while ") + state_name() + ": " + errno_text(errno));
      return;
    }
  }
  out_.clear();  // keeps capacity: large messages reuse the same buffer
  out_offset_ = 0;
}

void Client::update_interest() {
  uint32_t wanted = EPOLLIN | EPOLLRDHUP;
  if (state_ == State::Connecting) wanted = EPOLLOUT;
  else if (out_offset_ < out_.size()) wanted |= EPOLLOUT;
  if (wanted == registered_events_) return;
  if (registered_events_ == 0) loop_.add(fd_, wanted, this);
  else loop_.modify(fd_, wanted, this);
  registered_events_ = wanted;
}

void Client::refresh_deadline() {
  bool waiting = state_ == State::Connecting || state_ == State::Handshaking ||
                 state_ == State::Closing || state_ == State::AwaitEof ||
                 (state_ == State::Open && (in_flight_ > 0 || out_offset_ < out_.size()));
  deadline_ms_ = waiting ? loop_.now_ms() + config_.timeout_ms : 0;
}

void Client::check_timeout(int64_t now_ms) {
  if (deadline_ms_ != 0 && now_ms >= deadline_ms_ && state_ != State::Done &&
      state_ != State::Idle) {
    fail(ErrorKind::Timeout, std::string("no progress for ") + std::to_string(config_.timeout_ms) +
                                 " ms while " + state_name() + " (" + std::to_string(in_flight_) +
                                 " messages in flight)");
  }
}

void Client::fail(ErrorKind kind, const std::string& detail) {
  errors_.record(kind, id_, detail);
  teardown(false);
}

void Client::teardown(bool clean) {
  if (fd_ >= 0) {
    // Closing the only descriptor of the socket also drops its epoll
    // registration (the load generator never forks), so no EPOLL_CTL_DEL.
    close(fd_);
    fd_ = -1;
  }
  state_ = State::Done;
  deadline_ms_ = 0;
  closed_unreported_ = true;
  closed_clean_ = clean;
  if (!in_dispatch_) report_if_closed();
}

void Client::report_if_closed() {
  if (!closed_unreported_) return;
  closed_unreported_ = false;
  events_.on_closed(*this, closed_clean_);
}
