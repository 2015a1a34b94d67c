#include "net/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>

#include "core/frame_writer.h"
#include "core/handshake.h"
#include "core/protocol_error.h"
#include "net/batch.h"
#include "net/listener.h"
#include "net/loop_context.h"
#include "net/page_prefault.h"
#include "net/request_state.h"
#include "net/socket_address.h"
#include "net/timer.h"

namespace uws::net {

namespace {
// The longest incomplete frame the parser leaves unconsumed: a full header
// plus a control frame's payload.
constexpr size_t kMaxCarry = core::kMaxFrameHeaderSize + 125;
static_assert(kMaxCarry <= Connection::kCarryRoom, "carried bytes must fit in front of new input");

constexpr uint64_t kKeepAliveTimeoutMs = 5000;
// Largest single reservation made from a frame's announced length.
constexpr uint64_t kMaxReserve = 32 * 1024 * 1024;
// Payload left over after a partial write is queued by reference from this
// size on; smaller rests are copied (cheaper than keeping a JS reference).
constexpr size_t kZeroCopyMin = 64 * 1024;
// Frames with at least this much payload left are read straight into the
// message (see readIntoMessage), at most kDirectReadMax bytes per read.
constexpr uint64_t kDirectReadMin = 64 * 1024;
constexpr uint64_t kDirectReadMax = 4 * 1024 * 1024;
// A direct read first faults in the message pages it will fill (see
// page_prefault.h) when at least this much is waiting: two system calls
// cost about as much as a few page faults.
constexpr uint64_t kPrefaultMin = 64 * 1024;
// iovecs per write of the queue.
constexpr size_t kMaxParts = 16;

bool wouldBlock(int error) { return error == EAGAIN || error == EWOULDBLOCK || error == EINTR; }

}  // namespace

// Adapts the frame parser's handler concept to the connection.
struct FrameEvents {
  Connection& connection;
  bool onMessageStart(bool binary, bool compressed) {
    return connection.handleMessageStart(binary, compressed);
  }
  bool onMessageData(uint8_t* data, size_t length, bool frameEnd, bool messageEnd) {
    return connection.handleMessageData(data, length, frameEnd, messageEnd);
  }
  bool onPing(uint8_t* data, size_t length) { return connection.handlePing(data, length); }
  bool onPong(uint8_t* data, size_t length) {
    if (!connection.deliverHeldMessages()) return false;
    connection.context().events().onPong(connection, data, length);
    return connection.phase_ != Connection::Phase::kClosed;
  }
  bool onClose(uint16_t code, uint8_t* reason, size_t length) {
    return connection.handleClose(code, reason, length);
  }
  void onProtocolError(const core::ProtocolError& error) { connection.handleProtocolError(error); }
};

// Each open connection costs this much natively: malloc hands out 80-byte
// chunks for up to 72 bytes, 96 from 73 on (idle memory is a headline).
static_assert(sizeof(Connection) <= 72, "Connection outgrew its 80-byte malloc chunk");

// The state a connection needs only at times. An idle WebSocket has none of
// it, so its Connection holds a null pointer instead of six.
struct Connection::SideState {
  Timer* timer = nullptr;     // handshake, then close timeout
  Timer* deferred = nullptr;  // work moved out of a JS call (bytes behind the request, failures)
  std::unique_ptr<RequestState> request;  // request phase only
  std::unique_ptr<uint8_t[]> carry;       // an incomplete frame header or control frame
  std::unique_ptr<MessageAssembler> assembler;
  std::unique_ptr<WriteQueue> queue;
  // Bytes parsed on the next loop turn (onDeferredWork), reading stopped
  // until then: frames that came behind the upgrade request (JS emits
  // 'connection' first), and what a fed connection's stream delivered while
  // we were calling it (an in-memory peer that answers at once) or behind
  // such bytes.
  std::vector<uint8_t> input;

  bool unused() const {
    return !timer && !deferred && !request && !carry && !assembler && !queue && input.empty();
  }
};

Connection::SideState& Connection::side() {
  if (!side_) side_ = std::make_unique<SideState>();
  return *side_;
}

void Connection::trimSide() {
  if (side_ && side_->unused()) side_.reset();
}

void Connection::dropAssembler() {
  if (!side_ || !side_->assembler) return;
  side_->assembler.reset();
  trimSide();
}

void Connection::dropCarry() {
  carryLength_ = 0;
  side_->carry.reset();
  trimSide();
}

Timer* Connection::timer() const { return side_ ? side_->timer : nullptr; }

RequestState* Connection::request() const { return side_ ? side_->request.get() : nullptr; }

MessageAssembler* Connection::assemblerIfMade() const {
  return side_ ? side_->assembler.get() : nullptr;
}

WriteQueue* Connection::queueIfMade() const { return side_ ? side_->queue.get() : nullptr; }

bool Connection::queueEmpty() const {
  const WriteQueue* queue = queueIfMade();
  return !queue || queue->empty();
}

size_t Connection::queuedBytes() const {
  const WriteQueue* queue = queueIfMade();
  return queue ? queue->size() : 0;
}

Connection::Connection(LoopContext& context, int fd, void* scope)
    : scope_(scope),
      fd_(fd),
      paused_(false),
      readEof_(false),
      closeSent_(false),
      closeReceived_(false),
      errored_(false),
      shutdownPending_(false),
      shutdownDone_(false),
      closeAfterShutdown_(false),
      flushEvents_(false),
      messageBinary_(false),
      deferredFailure_(false),
      maskOutgoing_(false),
      idleKeepAlive_(false),
      fed_(false),
      transportGone_(false),
      fragments_(false),
      attached_(false),
      parked_(false),
      flushOnUncork_(false),
      asyncDecision_(false),
      inTransportCall_(false),
      deferredEnd_(false),
      answerCloseInJs_(false),
      closeAtOnce_(false),
      peerQuiet_(false),
      readAheadUnread_(false),
      watchingIn_(false),
      watchingOut_(false) {
  config_ = &context.internConfig(ConnectionSettings{});
  context.events().retainScope(scope);
  id_ = static_cast<uint32_t>(context.registerConnection(this));
}

WriteQueue& Connection::queue() {
  std::unique_ptr<WriteQueue>& queue = side().queue;
  if (!queue) {
    queue = std::make_unique<WriteQueue>();
    queue->setRelease(releasePayload, this);
  }
  return *queue;
}

MessageAssembler& Connection::assembler() {
  std::unique_ptr<MessageAssembler>& assembler = side().assembler;
  if (!assembler) assembler = std::make_unique<MessageAssembler>();
  return *assembler;
}

void Connection::releasePayload(void* connection, void* holder) {
  static_cast<Connection*>(connection)->context().events().releasePayload(holder);
}

Connection::~Connection() = default;

Connection* Connection::acceptFrom(LoopContext& context, int fd, const sockaddr_storage& peer,
                                   Listener& listener) {
  // TCP_NODELAY is inherited from the listening socket.
  auto* connection = new Connection(context, fd, listener.scope());
  SideState& side = connection->side();
  side.request = std::make_unique<RequestState>();
  side.request->listener = &listener;
  listener.trackPending(connection);
  side.request->peer = peer;
  side.request->hasPeer = true;
  side.request->local = listener.specificAddress();
  side.timer = Timer::start(context, listener.handshakeTimeoutMs(), onHandshakeTimeout, connection);
  connection->updatePoll();
  return connection;
}

Connection* Connection::adopt(LoopContext& context, int fd, void* scope, const uint8_t* leftover,
                              size_t leftoverLength) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  auto* connection = new Connection(context, fd, scope);
  connection->side().request = std::make_unique<RequestState>();
  connection->side_->request->leftover.assign(leftover, leftover + leftoverLength);
  connection->phase_ = Phase::kAwaitingDecision;
  return connection;
}

Connection* Connection::createFed(LoopContext& context, void* scope, const uint8_t* leftover,
                                  size_t leftoverLength) {
  auto* connection = new Connection(context, -1, scope);
  connection->fed_ = true;
  connection->side().request = std::make_unique<RequestState>();
  connection->side_->request->leftover.assign(leftover, leftover + leftoverLength);
  connection->phase_ = Phase::kAwaitingDecision;
  return connection;
}

void Connection::feed(const uint8_t* data, size_t length) {
  if (phase_ == Phase::kAwaitingDecision) {
    std::vector<uint8_t>& leftover = request()->leftover;
    leftover.insert(leftover.end(), data, data + length);
    return;
  }
  if (phase_ != Phase::kWebSocket) return;
  if (inTransportCall_ || inputWaiting()) {
    // Parsing now would run inside our own write to the stream: in the
    // middle of the frames being handled, or before 'connection' when the
    // write is the 101 (ws parses such bytes later too).
    std::vector<uint8_t>& input = side().input;
    input.insert(input.end(), data, data + length);
    scheduleDeferredWork();
    return;
  }
  parseFed(data, length);
}

bool Connection::inputWaiting() const { return side_ && !side_->input.empty(); }

void Connection::parseFed(const uint8_t* data, size_t length) {
  // Not the shared receive buffer: a JS stream may deliver data while
  // another connection's bytes are being parsed there (in-memory duplexes
  // write synchronously).
  std::vector<uint8_t> bytes(carryLength_ + length);
  if (carryLength_) std::memcpy(bytes.data(), side_->carry.get(), carryLength_);
  std::memcpy(bytes.data() + carryLength_, data, length);
  if (carryLength_) dropCarry();
  // A fed connection's frames go to its stream at once, never to the cork
  // buffer, so another connection's cork (this call may come from inside
  // its dispatch) is left alone.
  processFrames(bytes.data(), bytes.size());
  pendingAutoPongs_ = 0;  // its pongs are already written to the stream
  maybeShutdown();
}

void Connection::feedEnd() {
  if (phase_ == Phase::kClosed || readEof_) return;
  if (inTransportCall_ || inputWaiting()) {
    // The stream ended inside our write or end() call to it (a Duplex that
    // emits 'end' in write()): the code that called goes on with this
    // connection, so the end waits for the next loop turn (ws, too, ends
    // later), behind any bytes that wait.
    deferredEnd_ = true;
    scheduleDeferredWork();
    return;
  }
  onReadEof();
}

void Connection::feedClosed() {
  transportGone_ = true;
  if (inTransportCall_) {
    failLater();  // as feedEnd: not under the code that is writing
    return;
  }
  destroy(true);
}

void Connection::leaveListener() {
  RequestState* request = this->request();
  if (!request || !request->listener) return;
  request->listener->untrackPending(this);
  request->listener = nullptr;
}

bool Connection::readPeer(PeerInfo* info) const {
  if (fd_ < 0 || phase_ == Phase::kClosed) return false;
  const RequestState* request = this->request();
  if (request && request->hasPeer) {
    if (request->local) {
      bool localIpv6 = false;
      info->localPort = formatAddress(*request->local, info->localAddress, &localIpv6);
    } else {
      readLocalInfo(fd_, info);
    }
    bool ipv6 = false;
    info->remotePort = formatAddress(request->peer, info->remoteAddress, &ipv6);
    info->ipv6 = ipv6;
    info->hasRemote = true;
    return true;
  }
  readPeerInfo(fd_, info);
  return true;
}

// ---------------------------------------------------------------- polling

bool Connection::wantsInput() const {
  const bool readingPhase = phase_ == Phase::kRequest || phase_ == Phase::kWebSocket;
  // Not while earlier bytes wait for the next turn (SideState::input).
  return readingPhase && !readEof_ && !paused_ && !inputWaiting();
}

void Connection::updatePoll() {
  if (phase_ == Phase::kClosed || isFed()) return;
  uint32_t events = 0;
  if (wantsInput()) events |= EPOLLIN;
  if (!queueEmpty()) events |= EPOLLOUT;
  setPollEvents(context().poller().update(fd_, id_, pollEvents(), events));
}

uint32_t Connection::pollEvents() const {
  return (watchingIn_ ? static_cast<uint32_t>(EPOLLIN) : 0u) | (watchingOut_ ? static_cast<uint32_t>(EPOLLOUT) : 0u);
}

void Connection::setPollEvents(uint32_t events) {
  watchingIn_ = (events & EPOLLIN) != 0;
  watchingOut_ = (events & EPOLLOUT) != 0;
}

void Connection::onPollEvents(uint32_t epollEvents, const ReadAheadInput* input) {
  if (phase_ == Phase::kClosed) return;
  Batch batch(context(), scope_);
  if ((epollEvents & EPOLLRDHUP) && closingHandshakeDone()) {
    // Nothing the peer sends after the closing handshake matters (ws
    // discards it too): its FIN ends the connection without a recv().
    readEof_ = true;
    destroy(true);
    return;
  }
  // An error or hang-up shows in the next recv/send, which report it.
  const bool failed = (epollEvents & (EPOLLERR | EPOLLHUP)) != 0;
  if ((epollEvents & EPOLLOUT) || (failed && !queueEmpty())) flushQueue();
  if (((epollEvents & EPOLLIN) || failed) && phase_ != Phase::kClosed) {
    if (paused_ && !failed) {
      // Paused by another connection's handler earlier in this wakeup (a
      // paused socket is not polled for input): as in ws, nothing is read
      // until resume(); input read ahead already waits for it.
      if (input) holdReadAhead(*input);
      return;
    }
    context().cork().open(this);
    if (input) {
      takeReadAhead(*input);
    } else {
      readAvailable();
    }
    uncork();
  }
}

void Connection::holdReadAhead(const ReadAheadInput& input) {
  readAheadUnread_ = false;
  if (input.result <= 0) return;  // an error or the end shows again once reading resumes
  std::vector<uint8_t>& held = side().input;
  held.insert(held.end(), input.at, input.at + input.result);
  updatePoll();  // (stays off while input waits)
}

void Connection::takeReadAhead(const ReadAheadInput& input) {
  readAheadUnread_ = false;  // taken now, or dropped as a receive here would have dropped it
  if (phase_ != Phase::kRequest && phase_ != Phase::kWebSocket) return;
  const Phase before = phase_;
  takeInput(input.at, input.result);
  // A full slice: more may wait (a whole receive buffer's worth would have
  // come), unless reading stopped meanwhile (an upgrade decision, a pause,
  // bytes held for the next turn) or the phase changed: frames right behind
  // an upgrade request are parsed on the next turn (JS emits 'connection'
  // first), even when the slice ended with the request.
  const bool full = input.result == static_cast<ssize_t>(input.capacity);
  if (full && phase_ == before && wantsInput()) readAvailable();
}

bool Connection::inLargeFrame() const {
  MessageAssembler* assembler = assemblerIfMade();
  return phase_ == Phase::kWebSocket && carryLength_ == 0 && !errored_ && !closeReceived_ &&
         assembler && assembler->size() > 0 &&
         (parser_.flags & core::FrameParserState::kFlagInFrame) != 0 &&
         parser_.remaining >= kDirectReadMin;
}

bool Connection::readIntoMessage() {
  // The rest of a large frame goes from the socket straight into the
  // message being assembled, skipping the receive buffer and a copy.
  if (!inLargeFrame()) return false;
  const size_t want = static_cast<size_t>(std::min<uint64_t>(parser_.remaining, kDirectReadMax));
  uint8_t* into = assemblerIfMade()->tail(want);
  if (!into) return false;
  // Only as far as the bytes already waiting reach: memory for bytes a peer
  // has merely announced is not committed ahead of them.
  int waiting = 0;
  if (ioctl(fd_, FIONREAD, &waiting) == 0 && static_cast<uint64_t>(waiting) >= kPrefaultMin) {
    prefaultForWrite(into, std::min(want, static_cast<size_t>(waiting)));
  }
  const ssize_t received = ::recv(fd_, into, want, 0);
  if (received < 0) {
    if (!wouldBlock(errno)) destroy(true);
    return true;
  }
  if (received == 0) {
    onReadEof();
    return true;
  }
  processFrames(into, static_cast<size_t>(received));
  return true;
}

void Connection::readAvailable() {
  if (readIntoMessage()) return;
  uint8_t* at = context().receiveBuffer() + kCarryRoom;
  const ssize_t received = ::recv(fd_, at, LoopContext::kReceiveBufferSize - kCarryRoom, 0);
  takeInput(at, received < 0 ? -errno : received);
}

bool Connection::canReadAhead(uint32_t epollEvents) const {
  if (fd_ < 0 || (phase_ != Phase::kRequest && phase_ != Phase::kWebSocket)) return false;
  // After a close frame or an error, input is dropped anyway, and what is
  // left unread must stay for finishClose()'s peek.
  if (closeReceived_ || errored_) return false;
  if ((epollEvents & (EPOLLIN | EPOLLERR | EPOLLHUP)) == 0) return false;
  return !inLargeFrame();  // its dispatch reads straight into the message
}

void Connection::takeInput(uint8_t* at, ssize_t received) {
  if (received < 0) {
    if (!wouldBlock(static_cast<int>(-received))) destroy(true);
    return;
  }
  if (received == 0) {
    onReadEof();
    return;
  }
  const size_t carried = carryLength_;
  if (carried) {
    std::memcpy(at - carried, side_->carry.get(), carried);
    dropCarry();
  }
  process(at - carried, carried + static_cast<size_t>(received));
}

void Connection::process(uint8_t* data, size_t length) {
  if (phase_ == Phase::kRequest) {
    processRequest(data, length);
  } else if (phase_ == Phase::kWebSocket) {
    processFrames(data, length);
  }
}

void Connection::onReadEof() {
  readEof_ = true;
  if (phase_ != Phase::kWebSocket) {
    destroy(false);
    return;
  }
  updatePoll();
  // ws's socketOnEnd: end our side too; the close follows once it is written.
  endStream();
  if (shutdownDone_ && phase_ != Phase::kClosed) destroy(true);
}

// ---------------------------------------------------------- request phase

void Connection::processRequest(const uint8_t* data, size_t length) {
  idleKeepAlive_ = false;
  while (phase_ == Phase::kRequest) {
    size_t consumed = 0;
    RequestState& request = *this->request();
    const auto status = request.parser.feed(data, length, &consumed);
    if (status == core::HttpRequestParser::Status::kNeedMore) return;
    if (status == core::HttpRequestParser::Status::kError) {
      const std::string response = core::clientErrorResponse(request.parser.errorStatus());
      writeRaw(reinterpret_cast<const uint8_t*>(response.data()), response.size());
      endRaw();
      return;
    }
    data += consumed;
    length -= consumed;
    if (!core::isUpgradeRequest(request.parser)) {
      answerPlainRequest();
      if (phase_ != Phase::kRequest || length == 0) return;
      continue;
    }
    request.leftover.assign(data, data + length);
    phase_ = Phase::kAwaitingDecision;
    disposeTimer();
    leaveListener();
    const core::UpgradeHeaders headers = core::readUpgradeHeaders(request.parser);
    const core::HandshakeCheck check = core::checkUpgradeRequest(request.parser, headers);
    // (A synchronous accept frees `request` in this call.)
    context().events().onUpgrade(*this, request.parser, check, headers);
    asyncDecision_ = phase_ == Phase::kAwaitingDecision;
    // Reading stops only if JS did not decide during the call: most servers
    // accept synchronously, and that saves two epoll changes per connection.
    updatePoll();
    return;
  }
}

void Connection::answerPlainRequest() {
  // Plain HTTP, answered as ws's own http.Server does: 400 for an HTTP/1.1
  // request without Host, else 426. The connection stays open for another
  // request unless it is HTTP/1.0 or has a body (which we do not read).
  char date[29];
  core::formatHttpDate(static_cast<int64_t>(std::time(nullptr)), date);
  const std::string_view httpDate(date, sizeof(date));
  const core::HttpRequestParser& request = this->request()->parser;
  const bool missingHost = core::lacksRequiredHost(request);
  const auto contentLength = request.contentLength();
  const bool keepAlive = !missingHost && request.versionMajor() == 1 && request.versionMinor() == 1 &&
                         !request.chunked() && (!contentLength || *contentLength == 0);
  std::string response = missingHost ? core::missingHostResponse(httpDate)
                                     : core::upgradeRequiredResponse(httpDate, keepAlive);
  writeRaw(reinterpret_cast<const uint8_t*>(response.data()), response.size());
  if (!keepAlive) {
    endRaw();
    return;
  }
  this->request()->parser.reset();
  // Node closes an idle keep-alive connection after 5 s without a word.
  idleKeepAlive_ = true;
  disposeTimer();
  side().timer = Timer::start(context(), kKeepAliveTimeoutMs, onHandshakeTimeout, this);
}

void Connection::onHandshakeTimeout(void* data) {
  auto* self = static_cast<Connection*>(data);
  Batch batch(self->context(), self->scope_);
  self->disposeTimer();
  if (self->phase_ == Phase::kRequest && !self->idleKeepAlive_) {
    const std::string response = core::clientErrorResponse(408);
    self->writeRaw(reinterpret_cast<const uint8_t*>(response.data()), response.size());
    self->endRaw();
  } else {
    self->destroy(false);
  }
}

bool Connection::peerLeftBeforeAccept() const {
  // Nothing is read while JS decides, so ask the socket. As in ws, whose
  // socket is then no longer readable and writable: a peer that reset, or
  // ended with nothing more sent, does not become a WebSocket. One that sent
  // frames before its FIN does; they are read once it is accepted, and then
  // the FIN.
  if (!request()->leftover.empty()) return false;
  uint8_t byte;
  const ssize_t peeked = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return peeked == 0 || (peeked < 0 && !wouldBlock(errno));
}

void Connection::keepAcceptKey(const char key[28]) {
  RequestState* request = this->request();
  if (!request) return;
  std::memcpy(request->acceptKey, key, sizeof(request->acceptKey));
  request->hasAcceptKey = true;
}

std::string_view Connection::acceptKey() const {
  const RequestState* request = this->request();
  if (!request || !request->hasAcceptKey) return {};
  return std::string_view(request->acceptKey, sizeof(request->acceptKey));
}

bool Connection::acceptUpgrade(const uint8_t* response, size_t length,
                               const ConnectionSettings& settings) {
  if (phase_ != Phase::kAwaitingDecision) return false;
  // A decision made after onUpgrade returned (an async verifyClient): the
  // peer may have left meanwhile (JS finds the connection gone, and ends
  // the handshake). Synchronous decisions, and sockets taken over from
  // Node (decided by Node's side), skip the extra system call.
  if (asyncDecision_ && peerLeftBeforeAccept()) {
    destroy(false);
    return false;
  }
  attached_ = true;
  config_ = &context().internConfig(settings);
  fragments_ = settings.fragments;
  answerCloseInJs_ = settings.answerCloseInJs;
  maskOutgoing_ = settings.client;
  phase_ = Phase::kWebSocket;
  writeBytes(response, length, nullptr, 0, nullptr);
  // Writing to a fed connection's stream runs JS: should anything there
  // destroy the connection (its stream's end and close wait, see feedEnd),
  // there is nothing left to accept.
  if (phase_ == Phase::kClosed) return false;
  if (!side_->request->leftover.empty()) {
    // Frames that came right behind the request are parsed on the next loop
    // turn: JS emits 'connection' after accept() returns, and ws users attach
    // their 'message' listeners there. (Bytes a fed stream delivered during
    // the write above wait behind them.)
    std::vector<uint8_t>& input = side_->input;
    input.insert(input.begin(), side_->request->leftover.begin(), side_->request->leftover.end());
    scheduleDeferredWork();
  }
  side_->request.reset();
  trimSide();
  updatePoll();
  return true;
}

bool Connection::writeRaw(const uint8_t* data, size_t length) {
  if (phase_ != Phase::kRequest && phase_ != Phase::kAwaitingDecision) return false;
  return writeBytes(data, length, nullptr, 0, nullptr) >= 0;
}

void Connection::endRaw() {
  if (phase_ != Phase::kRequest && phase_ != Phase::kAwaitingDecision) return;
  phase_ = Phase::kEnding;
  closeAfterShutdown_ = true;
  leaveListener();
  updatePoll();
  // A peer that never reads must not keep the socket forever.
  armCloseTimer();
  endStream();
}

void Connection::onDeferredWork(void* data) {
  auto* self = static_cast<Connection*>(data);
  Batch batch(self->context(), self->scope_);
  SideState& side = *self->side_;
  side.deferred->dispose();
  side.deferred = nullptr;
  if (self->deferredFailure_) {
    self->destroy(true);
    return;
  }
  if (self->inputWaiting() && self->phase_ == Phase::kWebSocket && !self->paused_) {
    std::vector<uint8_t> input;
    input.swap(side.input);
    self->trimSide();
    if (self->isFed()) {
      self->parseFed(input.data(), input.size());
    } else {
      self->context().cork().open(self);
      self->processFrames(input.data(), input.size());
      self->uncork();
      self->updatePoll();  // reading resumes
    }
  }
  // The stream's end comes after the input before it (held while paused).
  if (self->deferredEnd_ && !self->inputWaiting()) {
    self->deferredEnd_ = false;
    if (self->phase_ != Phase::kClosed && !self->readEof_) self->onReadEof();
  }
}

// -------------------------------------------------------- WebSocket phase

void Connection::processFrames(uint8_t* data, size_t length) {
  if (errored_ || closeReceived_) return;  // input after a close or an error is ignored (ws)
  FrameEvents events{*this};
  const size_t consumed = core::parseFrames(parser_, config_->parser, data, length, events);
  if (phase_ == Phase::kWebSocket && !errored_ && !closeReceived_ && consumed < length) {
    const size_t rest = length - consumed;
    if (rest > kMaxCarry) {
      // The parser holds back at most one header or control frame; anything
      // else is a bug we must not turn into a buffer overflow.
      destroy(true);
      return;
    }
    std::unique_ptr<uint8_t[]>& carry = side().carry;
    if (!carry) carry.reset(new uint8_t[kMaxCarry]);
    std::memmove(carry.get(), data + consumed, rest);
    carryLength_ = static_cast<uint8_t>(rest);
  }
  // The messages of one read reach JS together, as ws emits those of one
  // chunk one after another.
  context().events().deliverMessages();
}

bool Connection::deliverHeldMessages() {
  context().events().deliverMessages();
  return phase_ == Phase::kWebSocket;
}

bool Connection::handleMessageStart(bool binary, bool /*compressed*/) {
  messageBinary_ = binary;
  return true;
}

bool Connection::handleMessageData(uint8_t* data, size_t length, bool frameEnd, bool messageEnd) {
  const bool fragmentsMode = fragments_ && messageBinary_;
  const MessageAssembler* pieces = assemblerIfMade();
  if (messageEnd && (!pieces || pieces->empty()) && !fragmentsMode) {
    // The whole message is in the receive buffer: hand it up from there.
    MessageView message;
    message.borrowed = data;
    message.length = length;
    message.binary = messageBinary_;
    context().events().onMessage(*this, message);
    dropAssembler();  // made empty by an empty first fragment
    return phase_ != Phase::kClosed;
  }
  // The rest of this frame is announced: reserve it in one step (bounded,
  // so a peer announcing a huge frame and sending nothing costs little).
  // Appended first: `data` may lie in the assembler itself (read straight
  // into it), where growing the block would move it.
  const uint64_t announced = std::min<uint64_t>(parser_.remaining, kMaxReserve);
  if (!assembler().append(data, length) ||
      (!frameEnd && !assembler().reserve(static_cast<size_t>(announced)))) {
    destroy(true);
    return false;
  }
  if (frameEnd && fragmentsMode) assembler().markFrameEnd();
  if (!messageEnd) return true;
  MessageView message;
  message.length = assembler().size();
  message.binary = messageBinary_;
  message.frameSizes = assembler().frameSizes();
  message.owned = assembler().release();
  context().events().onMessage(*this, message);
  dropAssembler();
  return phase_ != Phase::kClosed;
}

bool Connection::handlePing(uint8_t* data, size_t length) {
  if (!deliverHeldMessages()) return false;
  bool tooManyPongs = false;
  if (config_->settings.autoPong && !closeSent_) {
    // ws terminates a peer whose automatic pongs pile up unwritten; pongs
    // count as pending until the batch they were made in is flushed.
    const uint32_t limit = std::min<uint32_t>(config_->settings.maxPendingAutoPongs, UINT16_MAX);
    if (limit > 0 && pendingAutoPongs_ >= limit) {
      tooManyPongs = true;
    } else {
      ++pendingAutoPongs_;
      sendFrame(core::kPong, true, data, length, maskOutgoing_);
      // Writing a fed connection's pong runs its stream's JS, which may
      // have ended the connection (terminate() in write()).
      if (phase_ == Phase::kClosed) return false;
    }
  }
  context().events().onPing(*this, data, length);
  if (tooManyPongs && phase_ != Phase::kClosed) destroy(true);
  return phase_ != Phase::kClosed;
}

bool Connection::handleClose(uint16_t code, uint8_t* reason, size_t length) {
  if (!deliverHeldMessages()) return false;
  closeReceived_ = true;
  if (answerCloseInJs_) {
    // JS answers with close() when it reaches the frame, after the events
    // before it (then ws's half-close: FIN, and the end on the peer's FIN
    // or closeTimeout).
    context().events().onCloseFrame(*this, code, reason, length);
    return false;
  }
  // Both close frames are about to be exchanged: a server closes the TCP
  // connection then (RFC 6455 5.5.1, 7.1.1) instead of holding the socket
  // until the peer's FIN; the kernel finishes the TCP close, and close()
  // itself sends our FIN behind the close frame held back by MSG_MORE (see
  // finishClose). A client waits for the server's FIN, as the RFC asks, and
  // a Node socket we were fed keeps ws's half-close (its writes are ours
  // only once Node flushed them).
  closeAtOnce_ = !maskOutgoing_ && !isFed();
  // The peer's code and reason echoed (none when it sent none: 1005).
  sendClose(code == 1005 ? -1 : code, reason, length);
  endStream();
  if (phase_ != Phase::kClosed) context().events().onCloseFrame(*this, code, reason, length);
  if (phase_ != Phase::kClosed && closeAtOnce_) {
    closeAfterShutdown_ = true;  // set after onCloseFrame: JS hears of the frame before the end
    if (shutdownDone_) finishClose();
    else if (!queueEmpty()) armCloseTimer();
  }
  return false;
}

void Connection::finishClose() {
  if (closeAtOnce_ && !readEof_ && peerStillSending()) {
    // It sends after its close frame (it must not): close() would reset
    // the connection, and a peer busy writing could lose our close frame.
    // ws's half-close instead: our frame and FIN now, its bytes read and
    // dropped until its FIN or closeTimeout.
    closeAtOnce_ = false;
    closeAfterShutdown_ = false;
    ::shutdown(fd_, SHUT_WR);
    armCloseTimer();
    return;
  }
  destroy(true);
}

bool Connection::peerStillSending() const {
  if (peerQuiet_) return false;  // asked together with the last send (flushCorkAndPeek)
  uint8_t byte;
  return ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

void Connection::handleProtocolError(const core::ProtocolError& error) {
  if (!deliverHeldMessages()) return;
  errored_ = true;
  // With events held back in JS, JS closes when it reaches the error, after
  // the messages before it (as for a close frame, see handleClose).
  if (!answerCloseInJs_) {
    sendClose(error.closeCode, nullptr, 0);
    endStream();
  }
  if (phase_ != Phase::kClosed) context().events().onProtocolError(*this, error);
}

double Connection::sendFrame(core::Opcode opcode, bool fin, const uint8_t* payload, size_t length,
                             bool mask, const uint8_t* maskKey, PayloadKeeper* keeper) {
  if (phase_ != Phase::kWebSocket || closeSent_) return -1;
  uint8_t header[core::kMaxFrameHeaderSize];
  uint8_t key[4];
  if (maskKey) {
    std::memcpy(key, maskKey, 4);
    mask = true;
  } else if (mask) {
    context().randomMaskKey(key);
  }
  const size_t headerLength =
      core::writeFrameHeader(header, opcode, fin, false, length, mask ? key : nullptr);
  return writeBytes(header, headerLength, payload, length, mask ? key : nullptr, keeper);
}

void Connection::sendClose(int code, const uint8_t* reason, size_t reasonLength,
                           const uint8_t* maskKey) {
  if (closeSent_) return;
  uint8_t payload[125];
  size_t length = 0;
  if (code >= 0) {
    length = core::writeClosePayload(payload, static_cast<uint16_t>(code), reason, reasonLength);
  }
  sendFrame(core::kClose, true, payload, length, maskOutgoing_, maskKey);
  closeSent_ = true;
  // A server answering the peer's close frame may close as soon as its
  // frame is out (handleClose): it needs the timer only if the frame must
  // wait for a peer that does not read (maybeShutdown arms it then).
  if (!closeAtOnce_) armCloseTimer();
}

void Connection::close(int code, const uint8_t* reason, size_t reasonLength,
                       const uint8_t* maskKey) {
  if (phase_ != Phase::kWebSocket) return;
  sendClose(code, reason, reasonLength, maskKey);
  if (closeReceived_ || errored_) endStream();
}

void Connection::endWebSocket() {
  if (phase_ != Phase::kWebSocket) return;
  armCloseTimer();
  endStream();
}

void Connection::pause() {
  paused_ = true;
  updatePoll();
}

void Connection::resume() {
  paused_ = false;
  // Input held while paused is parsed on the next turn (not inside this
  // call), then reading resumes.
  if (inputWaiting()) scheduleDeferredWork();
  updatePoll();
}

void Connection::waitForQueue() {
  // Closing once the queue drains: a peer that does not read must not keep
  // the socket forever.
  if (closeAfterShutdown_) armCloseTimer();
}

void Connection::armCloseTimer() {
  if (timer() || phase_ == Phase::kClosed) return;
  side().timer = Timer::start(context(), config_->settings.closeTimeoutMs, onCloseTimeout, this);
}

void Connection::onCloseTimeout(void* data) {
  auto* self = static_cast<Connection*>(data);
  Batch batch(self->context(), self->scope_);
  self->disposeTimer();
  self->destroy(true);
}

void Connection::disposeTimer() {
  if (!timer()) return;
  side_->timer->dispose();
  side_->timer = nullptr;
  trimSide();
}

// ----------------------------------------------------------------- writing

bool Connection::appendToQueue(const uint8_t* header, size_t headerLength, const uint8_t* payload,
                               size_t payloadLength, const uint8_t* maskKey) {
  uint8_t* at = queue().appendUninitialized(headerLength + payloadLength);
  if (!at) return false;
  core::copyFrame(at, header, headerLength, payload, payloadLength, maskKey);
  return true;
}

double Connection::writeBytes(const uint8_t* header, size_t headerLength, const uint8_t* payload,
                              size_t payloadLength, const uint8_t* maskKey, PayloadKeeper* keeper) {
  if (phase_ == Phase::kClosed || shutdownPending_) return -1;
  const size_t total = headerLength + payloadLength;
  CorkBuffer& cork = context().cork();
  // Bytes parked earlier in this wakeup go first.
  if (parked_) cork.unpark(this);

  if (isFed()) {
    // Never corked: each frame is one stream write, made during the send
    // call, so JS can attach the frame's send callback to that write.
    const bool nested = inTransportCall_;  // the stream's JS may send again
    inTransportCall_ = true;
    context().events().onTransportWrite(*this, header, headerLength, payload, payloadLength, maskKey);
    inTransportCall_ = nested;
    return 0;
  }

  if (cork.owner() == this) {
    size_t& corked = cork.length();
    // Room first from the parked bytes, if the frame would fit at all.
    if (total > cork.capacity() - corked && total + corked <= CorkBuffer::kSize) cork.sendParked();
    if (total > cork.capacity() - corked) flushCork();
    if (queueEmpty() && total <= cork.capacity() - corked) {
      core::copyFrame(cork.data() + corked, header, headerLength, payload, payloadLength, maskKey);
      corked += total;
      return 0;
    }
  }

  if (!queueEmpty() || maskKey) {
    // Order must be kept behind queued bytes; masked payloads need a copy anyway.
    const bool wasEmpty = queueEmpty();
    if (!appendToQueue(header, headerLength, payload, payloadLength, maskKey)) {
      failLater();
      return -1;
    }
    const double target = static_cast<double>(queue().queuedTotal());
    if (wasEmpty && !drainQueue()) {
      failLater();
      return -1;
    }
    updatePoll();
    return queueEmpty() ? 0 : target;
  }

  iovec parts[2] = {{const_cast<uint8_t*>(header), headerLength},
                    {const_cast<uint8_t*>(payload), payloadLength}};
  msghdr message{};
  message.msg_iov = parts;
  message.msg_iovlen = payloadLength ? 2 : 1;
  ssize_t written = ::sendmsg(fd_, &message, MSG_NOSIGNAL);
  if (written < 0) {
    if (!wouldBlock(errno)) {
      failLater();
      return -1;
    }
    written = 0;
  }
  auto sent = static_cast<size_t>(written);
  if (sent == total) return 0;
  bool ok = true;
  if (sent < headerLength) {
    ok = queue().append(header + sent, headerLength - sent);
    sent = headerLength;
  }
  const uint8_t* rest = payload + (sent - headerLength);
  const size_t restLength = payloadLength - (sent - headerLength);
  void* holder = restLength >= kZeroCopyMin && keeper ? keeper->keep() : nullptr;
  if (holder) {
    ok = ok && queue().appendExternal(rest, restLength, holder);
  } else {
    ok = ok && queue().append(rest, restLength);
  }
  if (!ok) {
    failLater();
    return -1;
  }
  updatePoll();
  return static_cast<double>(queue().queuedTotal());
}

void Connection::flushCork() {
  CorkBuffer& cork = context().cork();
  if (cork.owner() != this || cork.length() == 0) return;
  const size_t length = cork.length();
  cork.length() = 0;
  sendCorked(cork.data(), length);
}

void Connection::sendHeld(const uint8_t* data, size_t length) {
  parked_ = false;
  sendCorked(data, length);
}

void Connection::sendCorked(const uint8_t* data, size_t length) {
  int flags = 0;
  if (!prepareSend(data, length, &flags)) return;
  const ssize_t written = ::send(fd_, data, length, MSG_NOSIGNAL | flags);
  completeSend(data, length, written < 0 ? -errno : written);
}

bool Connection::prepareSend(const uint8_t* data, size_t length, int* flags) {
  if (phase_ == Phase::kClosed) return false;
  if (!queueEmpty()) {
    if (!queue().append(data, length)) failLater();
    return false;
  }
  // When the stream ends right after these bytes (a close frame, an HTTP
  // error), MSG_MORE lets the kernel put our FIN in the same segment: the
  // peer is woken once instead of twice. shutdown() or close() follows in
  // this same turn (maybeShutdown), which sends the held segment.
  const bool finFollows = shutdownPending_ && !shutdownDone_;
  *flags = finFollows ? MSG_MORE : 0;
  return true;
}

void Connection::completeSend(const uint8_t* data, size_t length, ssize_t result) {
  if (result < 0) {
    if (!wouldBlock(static_cast<int>(-result))) {
      failLater();
      return;
    }
    result = 0;
  }
  const auto sent = static_cast<size_t>(result);
  if (sent < length) {
    if (!queue().append(data + sent, length - sent)) failLater();
    updatePoll();
  }
}

size_t Connection::queueHeldSend(SyscallBatch& batch, const uint8_t* data, size_t length) {
  parked_ = false;
  int flags = 0;
  if (!prepareSend(data, length, &flags)) return kNoCall;
  return batch.send(fd_, data, length, flags);
}

void Connection::flushCorkAndPeek() {
  CorkBuffer& cork = context().cork();
  const size_t length = cork.length();
  cork.length() = 0;
  int flags = 0;
  if (!prepareSend(cork.data(), length, &flags)) return;
  SyscallBatch& batch = context().syscalls();
  const size_t send = batch.send(fd_, cork.data(), length, flags);
  const size_t peek = batch.peek(fd_);
  batch.run();
  completeSend(cork.data(), length, batch.result(send));
  peerQuiet_ = batch.result(peek) <= 0;
  batch.clear();
}

bool Connection::closesAfterCorkFlush() const {
  return phase_ == Phase::kWebSocket && closeAtOnce_ && closeAfterShutdown_ && shutdownPending_ &&
         !shutdownDone_ && !readEof_ && !deferredFailure_ && !parked_ && queueEmpty() &&
         context().cork().owner() == this && context().cork().length() > 0;
}

void Connection::flushWhenDispatchEnds() {
  // Outside its own dispatch nothing of this connection is corked.
  if (context().cork().owner() == this) flushOnUncork_ = true;
}

void Connection::uncork() {
  CorkBuffer& cork = context().cork();
  if (cork.owner() != this) return;
  // A frame with a send callback leaves now: the callback must not run
  // before its bytes are handed to the kernel, as in ws.
  if (cork.length() > 0 && cork.canPark() && !shutdownPending_ && !flushOnUncork_ &&
      queueEmpty()) {
    cork.park();
    parked_ = true;
  } else {
    // The closing handshake's last bytes, then finishClose() asks whether
    // the peer still sends: both in one batch of system calls.
    if (closesAfterCorkFlush()) flushCorkAndPeek();
    else flushCork();
    cork.close();
  }
  flushOnUncork_ = false;
  if (queueEmpty()) pendingAutoPongs_ = 0;
  maybeShutdown();
  peerQuiet_ = false;  // an answer for this turn only
}

bool Connection::drainQueue() {
  while (!queueEmpty()) {
    iovec parts[kMaxParts];
    msghdr message{};
    message.msg_iov = parts;
    message.msg_iovlen = queue().gather(parts, kMaxParts);
    size_t offered = 0;
    for (size_t i = 0; i < message.msg_iovlen; ++i) offered += parts[i].iov_len;
    const ssize_t written = ::sendmsg(fd_, &message, MSG_NOSIGNAL);
    if (written < 0) {
      if (errno == EINTR) continue;
      return wouldBlock(errno);
    }
    queue().consume(static_cast<size_t>(written));
    // The socket took less: it is full, and another call would only say so.
    if (static_cast<size_t>(written) < offered) return true;
  }
  return true;
}

void Connection::flushQueue() {
  WriteQueue* queue = queueIfMade();
  if (phase_ == Phase::kClosed || !queue) return;
  const uint64_t before = queue->flushedTotal();
  if (!drainQueue()) {
    destroy(true);
    return;
  }
  // (Called before a dispatch opens the cork: nothing of ours is corked.)
  if (queueEmpty()) pendingAutoPongs_ = 0;
  updatePoll();
  if (flushEvents_ && attached_ && queue->flushedTotal() != before) {
    context().events().onFlush(*this, queue->flushedTotal());
  }
  maybeShutdown();
}

void Connection::failLater() {
  // A write error seen inside a JS call must not call back into JS from
  // there (ws reports socket errors asynchronously): close on the next turn.
  if (deferredFailure_ || phase_ == Phase::kClosed) return;
  deferredFailure_ = true;
  shutdownPending_ = true;  // nothing more may be written
  scheduleDeferredWork();
}

void Connection::scheduleDeferredWork() {
  SideState& side = this->side();
  if (!side.deferred) side.deferred = Timer::start(context(), 0, onDeferredWork, this);
}

void Connection::endStream() {
  shutdownPending_ = true;
  maybeShutdown();
}

void Connection::maybeShutdown() {
  if (!shutdownPending_ || shutdownDone_ || phase_ == Phase::kClosed || deferredFailure_) return;
  if (!queueEmpty()) {
    waitForQueue();
    return;
  }
  if (context().cork().owner() == this && context().cork().length() > 0) return;
  if (parked_) {
    context().cork().unpark(this);  // its bytes go before the FIN
    if (!queueEmpty()) {
      waitForQueue();
      return;
    }
  }
  if (isFed()) {
    const bool nested = inTransportCall_;
    inTransportCall_ = true;
    context().events().onTransportEnd(*this);
    inTransportCall_ = nested;
  } else if (!closeAtOnce_) {  // close() sends the FIN (handleClose)
    ::shutdown(fd_, SHUT_WR);
  }
  shutdownDone_ = true;
  if (closeAfterShutdown_ || readEof_) finishClose();
}

// ----------------------------------------------------------------- closing

void Connection::destroy(bool notify) {
  if (phase_ == Phase::kClosed) return;
  const bool wasWebSocket = phase_ == Phase::kWebSocket;
  // Messages of this read that the binding still holds come before the end
  // (their handlers may end the connection themselves).
  if (notify && wasWebSocket && attached_ && !deliverHeldMessages()) return;
  // What ws wrote before a destroy() had left already (Node writes at
  // once when it can): give corked and parked bytes the same chance,
  // without waiting.
  if (context().cork().owner() == this) {
    flushCork();
    context().cork().close();
  }
  if (parked_) context().cork().unpark(this);
  phase_ = Phase::kClosed;
  if (isFed()) {
    if (!transportGone_ && !context().tearingDown()) context().events().onTransportDestroy(*this);
  } else {
    context().poller().forget(fd_, pollEvents());
    setPollEvents(0);
    // Bytes the poller read ahead for it and nobody took would have been
    // unread input, and close() would have reset the connection (as it
    // does in ws): so it does.
    if (readAheadUnread_) {
      const linger reset{1, 0};
      setsockopt(fd_, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    }
    ::close(fd_);
    fd_ = -1;
  }
  context().bury(this);
  disposeTimer();
  leaveListener();
  context().unregisterConnection(id_);
  if (side_) {
    // The assembler and queue stay (emptied): this may run inside one of
    // their callers.
    if (side_->deferred) {
      side_->deferred->dispose();
      side_->deferred = nullptr;
    }
    side_->request.reset();
    if (side_->assembler) side_->assembler->reset();
    side_->carry.reset();
    carryLength_ = 0;
    if (side_->queue) side_->queue->clear();
    trimSide();
  }
  if (notify && wasWebSocket && attached_) context().events().onEnd(*this);
  context().events().onRelease(*this);
  attached_ = false;
}

void Connection::free(Connection* connection) {
  LoopContext& context = connection->context();
  void* scope = connection->scope_;
  delete connection;
  context.events().releaseScope(scope);
}

}  // namespace uws::net
