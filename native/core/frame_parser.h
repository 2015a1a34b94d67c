// Incremental, in-place WebSocket frame parser with the rules and errors of
// ws 8.x receiver.js (see protocol_error.h). Header-only so the handler calls
// inline; no allocation, no virtual calls.
//
// Differences from ws, on purpose:
// - Data-frame payload is streamed to the handler as it arrives; it is never
//   buffered here.
// - Text UTF-8 is validated as the bytes arrive: the error is raised as soon
//   as an invalid sequence is seen (even mid-frame), and a message that ends
//   inside a multi-byte sequence is invalid.
// - The maxFragments check is made when a data frame's header is complete
//   (ws makes it once the frame's payload has arrived). The order of errors
//   is the same: maxPayload (on the header) first, then maxFragments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/close_code.h"
#include "core/masking.h"
#include "core/opcode.h"
#include "core/protocol_error.h"
#include "core/utf8.h"

namespace uws::core {

struct FrameParserOptions {
  bool isServer = true;        // server: every frame must be masked; client: none may be
  bool allowRsv1 = false;      // permessage-deflate negotiated
  bool skipUtf8Validation = false;
  uint64_t maxPayload = 100 * 1024 * 1024;  // 0 = no limit; sum of the frames' payload lengths
  uint32_t maxFragments = 16 * 1024;        // 0 = no limit; data frames per message
};

struct FrameParserState {
  uint64_t remaining = 0;      // payload bytes still to come in the current data frame
  uint64_t totalLength = 0;    // sum of the payload lengths of the current message's frames
  uint32_t maskKey = 0;        // current data frame's mask, wire order
  uint32_t fragments = 0;      // data frames of the current message so far
  Utf8Validator utf8;          // text message validation state
  uint8_t messageOpcode = 0;   // kText/kBinary while a fragmented message is in progress, else 0
  uint8_t maskOffset = 0;      // position in maskKey of the next payload byte
  uint8_t flags = 0;           // kFlag* below

  static constexpr uint8_t kFlagInFrame = 1;       // reading a data frame's payload
  static constexpr uint8_t kFlagFin = 2;           // the current data frame has FIN
  static constexpr uint8_t kFlagMasked = 4;        // the current data frame is masked
  static constexpr uint8_t kFlagCompressed = 8;    // the current message has RSV1
  static constexpr uint8_t kFlagValidateUtf8 = 16; // the current message is validated as UTF-8

  void reset() { *this = FrameParserState(); }
};

static_assert(sizeof(FrameParserState) <= 40, "FrameParserState must stay small");

namespace frame_parser_detail {

inline uint16_t readBe16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

inline uint64_t readBe64(const uint8_t* p) {
  uint64_t v = 0;
  for (int k = 0; k < 8; ++k) v = (v << 8) | p[k];
  return v;
}

template <class Handler>
inline void fail(Handler& handler, ProtocolErrorKind kind, uint64_t detail = 0) {
  handler.onProtocolError(makeProtocolError(kind, detail));
}

}  // namespace frame_parser_detail

// Handler concept (called synchronously during parsing):
//   bool onMessageStart(bool binary, bool compressed);
//   bool onMessageData(uint8_t* data, size_t len, bool frameEnd, bool messageEnd);
//   bool onPing(uint8_t* data, size_t len);
//   bool onPong(uint8_t* data, size_t len);
//   bool onClose(uint16_t code, uint8_t* reason, size_t reasonLength);
//   void onProtocolError(const ProtocolError& error);
// A bool method returning false stops the parser at once.
//
// Parses data[0..length) in place (unmasking into the same bytes) and returns
// the number of bytes consumed. Bytes not consumed are an incomplete frame
// header (< 14 bytes) or an incomplete control frame (header and payload,
// < 6 + 125 bytes): pass them again at the front of the next call. Data-frame
// payload is always consumed and delivered as it arrives.
// After onProtocolError, onClose, or a handler returning false, the parser
// returns at once; the return value is then meaningless.
template <class Handler>
size_t parseFrames(FrameParserState& state, const FrameParserOptions& options, uint8_t* data, size_t length,
                   Handler& handler) {
  using namespace frame_parser_detail;
  size_t pos = 0;

  for (;;) {
    if (state.flags & FrameParserState::kFlagInFrame) {
      // Payload of a data frame: deliver what is here.
      const size_t available = length - pos;
      const size_t n = state.remaining < available ? static_cast<size_t>(state.remaining) : available;
      if (n == 0 && state.remaining != 0) return pos;
      uint8_t* payload = data + pos;
      if (state.flags & FrameParserState::kFlagMasked) {
        applyMask(payload, payload, n, state.maskKey, state.maskOffset);
        state.maskOffset = static_cast<uint8_t>((state.maskOffset + n) & 3);
      }
      state.remaining -= n;
      pos += n;
      const bool frameEnd = state.remaining == 0;
      const bool messageEnd = frameEnd && (state.flags & FrameParserState::kFlagFin) != 0;
      if (state.flags & FrameParserState::kFlagValidateUtf8) {
        if (!state.utf8.feed(payload, n) || (messageEnd && !state.utf8.complete())) {
          fail(handler, ProtocolErrorKind::kInvalidUtf8);
          return pos;
        }
      }
      if (frameEnd) {
        if (messageEnd) {
          state.messageOpcode = 0;
          state.totalLength = 0;
          state.fragments = 0;
          state.flags = 0;
        } else {
          state.flags &= static_cast<uint8_t>(~FrameParserState::kFlagInFrame);
        }
      }
      if (!handler.onMessageData(payload, n, frameEnd, messageEnd)) return pos;
      continue;
    }

    // Frame header.
    const size_t available = length - pos;
    if (available < 2) return pos;
    const uint8_t* header = data + pos;
    const uint8_t b0 = header[0];
    const uint8_t b1 = header[1];

    if (b0 & 0x30) {
      fail(handler, ProtocolErrorKind::kUnexpectedRsv23);
      return pos;
    }
    const bool rsv1 = (b0 & 0x40) != 0;
    if (rsv1 && !options.allowRsv1) {
      fail(handler, ProtocolErrorKind::kUnexpectedRsv1);
      return pos;
    }
    const bool fin = (b0 & 0x80) != 0;
    const uint8_t rawOpcode = b0 & 0x0F;
    uint8_t opcode = rawOpcode;
    uint64_t payloadLength = b1 & 0x7F;
    const bool isControl = rawOpcode >= kClose;

    if (rawOpcode == kContinuation) {
      if (rsv1) {
        fail(handler, ProtocolErrorKind::kUnexpectedRsv1);
        return pos;
      }
      if (state.messageOpcode == 0) {
        fail(handler, ProtocolErrorKind::kInvalidOpcode, 0);
        return pos;
      }
      opcode = state.messageOpcode;
    } else if (rawOpcode == kText || rawOpcode == kBinary) {
      if (state.messageOpcode != 0) {
        fail(handler, ProtocolErrorKind::kInvalidOpcode, rawOpcode);
        return pos;
      }
    } else if (rawOpcode >= kClose && rawOpcode <= kPong) {
      if (!fin) {
        fail(handler, ProtocolErrorKind::kExpectedFin);
        return pos;
      }
      if (rsv1) {
        fail(handler, ProtocolErrorKind::kUnexpectedRsv1);
        return pos;
      }
      if (payloadLength > 125 || (rawOpcode == kClose && payloadLength == 1)) {
        fail(handler, ProtocolErrorKind::kInvalidControlPayloadLength, payloadLength);
        return pos;
      }
    } else {
      fail(handler, ProtocolErrorKind::kInvalidOpcode, rawOpcode);
      return pos;
    }

    const bool masked = (b1 & 0x80) != 0;
    if (options.isServer) {
      if (!masked) {
        fail(handler, ProtocolErrorKind::kExpectedMask);
        return pos;
      }
    } else if (masked) {
      fail(handler, ProtocolErrorKind::kUnexpectedMask);
      return pos;
    }

    size_t headerSize = 2;
    if (payloadLength == 126) {
      if (available < 4) return pos;
      payloadLength = readBe16(header + 2);
      headerSize = 4;
    } else if (payloadLength == 127) {
      if (available < 10) return pos;
      payloadLength = readBe64(header + 2);
      if (payloadLength > 0x1FFFFFFFFFFFFFull) {  // 2^53 - 1
        fail(handler, ProtocolErrorKind::kUnsupportedDataPayloadLength);
        return pos;
      }
      headerSize = 10;
    }

    uint64_t totalLength = state.totalLength;
    if (!isControl && payloadLength != 0) {
      totalLength += payloadLength;
      if (options.maxPayload != 0 && totalLength > options.maxPayload) {
        fail(handler, ProtocolErrorKind::kMaxPayloadExceeded);
        return pos;
      }
    }

    if (masked) headerSize += 4;
    if (available < headerSize) return pos;
    uint32_t maskKey = 0;
    if (masked) std::memcpy(&maskKey, header + headerSize - 4, 4);

    if (isControl) {
      const size_t len = static_cast<size_t>(payloadLength);
      if (available - headerSize < len) return pos;  // wait for the whole control frame
      uint8_t* payload = data + pos + headerSize;
      if (masked) applyMask(payload, payload, len, maskKey, 0);
      pos += headerSize + len;
      if (rawOpcode == kClose) {
        if (len == 0) {
          handler.onClose(1005, payload, 0);
          return pos;
        }
        const uint16_t code = readBe16(payload);
        if (!isValidCloseCode(code)) {
          fail(handler, ProtocolErrorKind::kInvalidCloseCode, code);
          return pos;
        }
        if (!options.skipUtf8Validation && !isValidUtf8(payload + 2, len - 2)) {
          fail(handler, ProtocolErrorKind::kInvalidUtf8);
          return pos;
        }
        handler.onClose(code, payload + 2, len - 2);
        return pos;
      }
      if (rawOpcode == kPing) {
        if (!handler.onPing(payload, len)) return pos;
      } else {
        if (!handler.onPong(payload, len)) return pos;
      }
      continue;
    }

    // Data frame.
    if (options.maxFragments != 0 && state.fragments >= options.maxFragments) {
      fail(handler, ProtocolErrorKind::kTooManyFragments);
      return pos;
    }
    pos += headerSize;
    state.totalLength = totalLength;
    ++state.fragments;
    state.remaining = payloadLength;
    state.maskKey = maskKey;
    state.maskOffset = 0;
    uint8_t flags = static_cast<uint8_t>(state.flags &
                                         (FrameParserState::kFlagCompressed | FrameParserState::kFlagValidateUtf8));
    flags |= FrameParserState::kFlagInFrame;
    if (fin) flags |= FrameParserState::kFlagFin;
    if (masked) flags |= FrameParserState::kFlagMasked;
    if (rawOpcode != kContinuation) {
      // First frame of a message.
      flags = static_cast<uint8_t>(flags & ~(FrameParserState::kFlagCompressed | FrameParserState::kFlagValidateUtf8));
      if (rsv1) flags |= FrameParserState::kFlagCompressed;
      if (opcode == kText && !rsv1 && !options.skipUtf8Validation) {
        flags |= FrameParserState::kFlagValidateUtf8;
        state.utf8.reset();
      }
      state.messageOpcode = fin ? 0 : opcode;
      state.flags = flags;
      if (!handler.onMessageStart(opcode == kBinary, rsv1)) return pos;
    } else {
      if (fin) state.messageOpcode = 0;
      state.flags = flags;
    }
  }
}

}  // namespace uws::core
