// One client connection of the own listener, from the first byte of its
// upgrade request to the end of its TCP stream: a non-blocking socket polled
// on the loop, the request phase, then the WebSocket state machine of
// native/core with a corked, queued writer and the ws-style closing
// handshake.
#pragma once

#include <sys/socket.h>
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/frame_parser.h"
#include "core/opcode.h"
#include "net/connection_events.h"
#include "net/socket_poller.h"
#include "net/syscall_batch.h"
#include "net/message_assembler.h"
#include "net/write_queue.h"

namespace uws::net {

struct RequestState;
class Listener;
class LoopContext;
class Timer;

// Per-WebSocket settings, given when JS accepts the upgrade.
struct ConnectionSettings {
  uint64_t maxPayload = 100 * 1024 * 1024;
  uint32_t maxFragments = 16 * 1024;
  uint32_t maxPendingAutoPongs = 60;
  uint64_t closeTimeoutMs = 30000;
  bool skipUtf8Validation = false;
  bool autoPong = true;
  bool fragments = false;
  // Client side: frames we send are masked, frames we receive must not be.
  bool client = false;
  // JS answers the peer's close frame and closes on a protocol error (it
  // emits events later, and what their handlers send goes first, as in
  // ws): not the core at once.
  bool answerCloseInJs = false;
};

// Settings as the core uses them; equal settings share one instance.
struct ConnectionConfig {
  ConnectionSettings settings;
  core::FrameParserOptions parser;
  // The loop whose connections use it (configs are interned per loop): a
  // connection reaches its loop through its config, one pointer fewer each.
  LoopContext* context = nullptr;
};

// What the poller received for a connection before dispatching its events
// (SocketPoller): `result` bytes at `at` (or -errno), of `capacity`.
struct ReadAheadInput {
  uint8_t* at;
  ssize_t result;
  size_t capacity;
};

// Not polymorphic (the poller calls it directly): no vtable pointer in each.
class Connection final {
 public:
  // A socket just accepted by `listener`: starts in the request phase.
  static Connection* acceptFrom(LoopContext& context, int fd, const sockaddr_storage& peer,
                                Listener& listener);
  // A socket taken over from Node (an http.Server 'upgrade', or a client
  // after Node's handshake), whose request JS has already read: it waits for
  // acceptUpgrade(); `leftover` are bytes Node had read behind the request.
  static Connection* adopt(LoopContext& context, int fd, void* scope, const uint8_t* leftover,
                           size_t leftoverLength);
  // A connection carried by a JS stream (TLS socket, any Duplex): JS feeds
  // the bytes it reads (feed/feedEnd/feedClosed) and writes what
  // ConnectionEvents::onTransportWrite hands it (the binding knows the JS
  // side by the connection's id).
  static Connection* createFed(LoopContext& context, void* scope, const uint8_t* leftover,
                               size_t leftoverLength);
  void feed(const uint8_t* data, size_t length);
  void feedEnd();
  void feedClosed();
  bool isFed() const { return fed_; }
  int socketFd() const { return fd_; }

  double id() const { return id_; }  // below 2^31 (slot_table.h), kept in 32 bits
  // True once JS accepted the upgrade: events may be reported.
  bool attached() const { return attached_; }
  void* scope() const { return scope_; }
  // Both ends of the socket (the peer's not after a reset); false once it
  // is closed (or fed by JS).
  bool readPeer(PeerInfo* info) const;
  bool isWebSocket() const { return phase_ == Phase::kWebSocket; }

  // Request phase: the accept key computed for the request, kept until JS
  // decides (empty when none was kept).
  void keepAcceptKey(const char key[28]);
  std::string_view acceptKey() const;
  // After onUpgrade: JS's decision.
  bool acceptUpgrade(const uint8_t* response, size_t length, const ConnectionSettings& settings);
  bool writeRaw(const uint8_t* data, size_t length);
  // Ends the stream once queued bytes are written, then closes (HTTP error path).
  void endRaw();

  // WebSocket phase. Returns 0 when the frame is out or corked, the queue
  // total this frame ends at when it waits in the queue, -1 when the
  // connection cannot send any more.
  // `maskKey`, when given, is the key to mask with (ws's generateMask);
  // otherwise `mask` draws a random one.
  // `keeper`, when given, lets a large unmasked payload wait in the queue
  // without being copied.
  double sendFrame(core::Opcode opcode, bool fin, const uint8_t* payload, size_t length, bool mask,
                   const uint8_t* maskKey = nullptr, PayloadKeeper* keeper = nullptr);
  // `maskKey`: a client's key for the close frame (ws's generateMask), or null.
  void close(int code, const uint8_t* reason, size_t reasonLength, const uint8_t* maskKey = nullptr);
  void pause();
  void resume();
  size_t bufferedAmount() const { return queuedBytes(); }
  void setFlushEvents(bool enabled) { flushEvents_ = enabled; }
  void setFragments(bool enabled) { fragments_ = enabled; }
  // ws's socket.end() on an open WebSocket: FIN after queued bytes; the
  // connection ends with the peer's FIN or the close timeout.
  void endWebSocket();

  // Closes the socket now. With `notify`, a WebSocket reports onEnd first.
  void destroy(bool notify);

  // The cork owner's writes leave when its dispatch ends, or with the other
  // parked connections' at the end of the poller wakeup (cork_buffer.h).
  void uncork();
  // A frame with a send callback was corked: its bytes must leave when the
  // dispatch ends, before the callback can run.
  void flushWhenDispatchEnds();
  // CorkBuffer: bytes it held for this connection leave now.
  void sendHeld(const uint8_t* data, size_t length);
  // CorkBuffer, at the end of a poller wakeup: the send of bytes it held
  // for this connection joins `batch`; returns the call's index, or kNoCall
  // when the bytes went to the write queue instead (or nowhere: closed).
  // heldSendDone() takes the call's result.
  static constexpr size_t kNoCall = ~size_t{0};
  size_t queueHeldSend(SyscallBatch& batch, const uint8_t* data, size_t length);
  void heldSendDone(const uint8_t* data, size_t length, ssize_t result) {
    completeSend(data, length, result);
  }
  // The owner's corked bytes leave now.
  void flushCork();

  // Room kept in front of where input is received, for the bytes carried
  // from the previous read (an incomplete frame header or control frame).
  static constexpr size_t kCarryRoom = 256;
  // Whether the poller may receive for this connection before dispatching
  // its events (`input` of onPollEvents): exactly when the dispatch would
  // receive into the receive buffer.
  bool canReadAhead(uint32_t epollEvents) const;
  // The poller read input ahead for it (result > 0), for its dispatch.
  void noteReadAhead() { readAheadUnread_ = true; }
  // The socket is readable / writable / in error (SocketPoller). `input`,
  // when given, is what the poller received for it already.
  void onPollEvents(uint32_t epollEvents, const ReadAheadInput* input = nullptr);
  // Frees a destroyed connection (LoopContext's check phase).
  static void free(Connection* connection);

 private:
  // kEnding: an HTTP response is being flushed before the socket closes.
  enum class Phase : uint8_t { kRequest, kAwaitingDecision, kEnding, kWebSocket, kClosed };
  friend struct FrameEvents;

  Connection(LoopContext& context, int fd, void* scope);
  ~Connection();

  static void onHandshakeTimeout(void* data);
  static void onCloseTimeout(void* data);
  static void onDeferredWork(void* data);

  void readAvailable();
  bool inLargeFrame() const;  // the rest of a large frame is read straight into its message
  bool readIntoMessage();
  // A receive's result (bytes at `at`, kCarryRoom free in front, or -errno).
  void takeInput(uint8_t* at, ssize_t received);
  void takeReadAhead(const ReadAheadInput& input);  // what the poller received for us
  void holdReadAhead(const ReadAheadInput& input);  // ... while paused: until resume()
  void process(uint8_t* data, size_t length);
  void processRequest(const uint8_t* data, size_t length);
  void answerPlainRequest();
  void processFrames(uint8_t* data, size_t length);
  // Messages held back by the binding go first (deliverMessages): false
  // when their handlers closed the connection.
  bool deliverHeldMessages();
  void onReadEof();
  bool wantsInput() const;  // reading is on (EPOLLIN watched, see updatePoll)
  void updatePoll();
  bool peerLeftBeforeAccept() const;
  // The close frames are exchanged (or ours followed a protocol error) and
  // our FIN is out: all that is left is the peer's FIN.
  bool closingHandshakeDone() const {
    return phase_ == Phase::kWebSocket && shutdownDone_ && (closeReceived_ || errored_);
  }

  double writeBytes(const uint8_t* header, size_t headerLength, const uint8_t* payload,
                    size_t payloadLength, const uint8_t* maskKey, PayloadKeeper* keeper = nullptr);
  static void releasePayload(void* connection, void* holder);
  bool appendToQueue(const uint8_t* header, size_t headerLength, const uint8_t* payload,
                     size_t payloadLength, const uint8_t* maskKey);
  void sendCorked(const uint8_t* data, size_t length);
  // The two halves of sendCorked() around the send itself: false when the
  // bytes were queued instead (or the connection is closed); `result` is
  // what send() returned, or -errno.
  bool prepareSend(const uint8_t* data, size_t length, int* flags);
  void completeSend(const uint8_t* data, size_t length, ssize_t result);
  // uncork() of a connection whose closing handshake ends with these bytes.
  bool closesAfterCorkFlush() const;
  void flushCorkAndPeek();
  bool drainQueue();  // writes what the socket takes; false on a socket error
  void flushQueue();
  void failLater();
  void scheduleDeferredWork();  // onDeferredWork on the next loop turn
  bool inputWaiting() const;    // bytes wait for the next turn (SideState::input)
  void parseFed(const uint8_t* data, size_t length);  // frames a fed connection's stream delivered
  // The closing frame (once; `code` -1: no payload), then the close timeout.
  void sendClose(int code, const uint8_t* reason, size_t reasonLength, const uint8_t* maskKey = nullptr);
  void armCloseTimer();
  void endStream();
  void maybeShutdown();
  void waitForQueue();  // maybeShutdown found bytes still queued
  // Our FIN is out, or goes with close() (closeAtOnce_): the end.
  void finishClose();
  bool peerStillSending() const;  // unread input waits on the socket
  void disposeTimer();

  // Frame-parser callbacks (see core/frame_parser.h).
  bool handleMessageStart(bool binary, bool compressed);
  bool handleMessageData(uint8_t* data, size_t length, bool frameEnd, bool messageEnd);
  bool handlePing(uint8_t* data, size_t length);
  bool handleClose(uint16_t code, uint8_t* reason, size_t length);
  void handleProtocolError(const core::ProtocolError& error);

  // EPOLLIN/EPOLLOUT watched now, as the two bits watchingIn_/watchingOut_.
  uint32_t pollEvents() const;
  void setPollEvents(uint32_t events);

  // The members up to side_ fill 24 bytes: one more byte and the
  // connection outgrows its 80-byte malloc chunk (static_assert in
  // connection.cpp).
  void* scope_;
  uint32_t id_ = 0;  // set once registered (the constructor)
  int fd_;
  Phase phase_ = Phase::kRequest;
  // Flags as bit-fields (C++17 has no default member initialisers for
  // them): all cleared in the constructor.
  bool paused_ : 1;
  bool readEof_ : 1;
  bool closeSent_ : 1;
  bool closeReceived_ : 1;
  bool errored_ : 1;
  bool shutdownPending_ : 1;
  bool shutdownDone_ : 1;
  bool closeAfterShutdown_ : 1;
  bool flushEvents_ : 1;
  bool messageBinary_ : 1;
  bool deferredFailure_ : 1;
  bool maskOutgoing_ : 1;
  bool idleKeepAlive_ : 1;  // answered a plain request, waiting for another
  bool fed_ : 1;
  bool transportGone_ : 1;  // a fed connection's stream closed on the JS side
  bool fragments_ : 1;      // deliver fragmented binary messages as arrays
  bool attached_ : 1;       // accepted by JS, which knows it by its id
  bool parked_ : 1;         // corked bytes wait in the CorkBuffer for the wakeup's end
  bool flushOnUncork_ : 1;  // see flushWhenDispatchEnds()
  bool asyncDecision_ : 1;  // JS decides on the upgrade after onUpgrade returned
  bool inTransportCall_ : 1;  // inside onTransportWrite/End: the stream's end and close wait
  bool deferredEnd_ : 1;      // the stream ended during such a call (onDeferredWork)
  bool answerCloseInJs_ : 1;  // see ConnectionSettings::answerCloseInJs
  bool closeAtOnce_ : 1;    // closes after the closing handshake, close() sending the FIN (handleClose)
  bool peerQuiet_ : 1;      // flushCorkAndPeek found no input waiting (for this uncork only)
  bool readAheadUnread_ : 1;  // the poller read input ahead that onPollEvents has not taken yet
  bool watchingIn_ : 1;
  bool watchingOut_ : 1;
  uint8_t carryLength_ = 0;
  uint16_t pendingAutoPongs_ = 0;

  // What a connection needs only at times (SideState, connection.cpp):
  // null while none of it is in use, which is the case for an idle
  // WebSocket. Kept out of line because idle memory is a headline: it takes
  // the connection from a 128- to a 96-byte malloc chunk.
  struct SideState;
  std::unique_ptr<SideState> side_;
  SideState& side();
  // Frees the side state once nothing in it is in use.
  void trimSide();
  // A message was delivered: the assembler holds nothing between messages,
  // so a connection that goes idle after one in pieces keeps neither it
  // nor the side state.
  void dropAssembler();
  // The carried bytes were moved in front of new input: the buffer goes
  // (made again when a read ends inside a frame header), so an idle
  // connection keeps none.
  void dropCarry();
  Timer* timer() const;
  RequestState* request() const;
  core::FrameParserState parser_{};
  // Shared by every connection with the same settings (one per server
  // configuration, interned by LoopContext); fragments mode is per
  // connection because binaryType may change.
  const ConnectionConfig* config_;  // never null: also the way to the loop (context())
  LoopContext& context() const { return *config_->context; }
  // Made on first need (in the side state): most connections never
  // assemble a message from pieces, nor meet a socket that is not writable.
  MessageAssembler& assembler();
  WriteQueue& queue();
  MessageAssembler* assemblerIfMade() const;
  WriteQueue* queueIfMade() const;
  bool queueEmpty() const;
  size_t queuedBytes() const;

  // The listener keeps its pending connections in a list linked through
  // their RequestState.
  friend class Listener;
  void leaveListener();
};

}  // namespace uws::net
