// Frame writer and masking.
#include <cstring>
#include <string>
#include <vector>

#include "core/frame_writer.h"
#include "core/masking.h"
#include "test/test_harness.h"
#include "test/test_util.h"

using namespace uws::core;
using namespace uws::test;

UWS_TEST(writer_header_sizes) {
  CHECK_EQ(frameHeaderSize(0, false), size_t(2));
  CHECK_EQ(frameHeaderSize(125, false), size_t(2));
  CHECK_EQ(frameHeaderSize(126, false), size_t(4));
  CHECK_EQ(frameHeaderSize(65535, false), size_t(4));
  CHECK_EQ(frameHeaderSize(65536, false), size_t(10));
  CHECK_EQ(frameHeaderSize(uint64_t(1) << 40, false), size_t(10));
  CHECK_EQ(frameHeaderSize(125, true), size_t(6));
  CHECK_EQ(frameHeaderSize(126, true), size_t(8));
  CHECK_EQ(frameHeaderSize(65535, true), size_t(8));
  CHECK_EQ(frameHeaderSize(65536, true), size_t(14));
  CHECK_EQ(kMaxFrameHeaderSize, size_t(14));
}

UWS_TEST(writer_header_bytes) {
  uint8_t out[kMaxFrameHeaderSize];
  CHECK_EQ(writeFrameHeader(out, kText, true, false, 5, nullptr), size_t(2));
  CHECK_EQ(out[0], 0x81);
  CHECK_EQ(out[1], 0x05);
  CHECK_EQ(writeFrameHeader(out, kBinary, false, true, 125, nullptr), size_t(2));
  CHECK_EQ(out[0], 0x42);
  CHECK_EQ(out[1], 125);
  CHECK_EQ(writeFrameHeader(out, kContinuation, true, false, 126, nullptr), size_t(4));
  CHECK_EQ(out[0], 0x80);
  CHECK_EQ(out[1], 126);
  CHECK_EQ(out[2], 0);
  CHECK_EQ(out[3], 126);
  CHECK_EQ(writeFrameHeader(out, kBinary, true, false, 65535, nullptr), size_t(4));
  CHECK_EQ(out[1], 126);
  CHECK_EQ(out[2], 0xFF);
  CHECK_EQ(out[3], 0xFF);
  CHECK_EQ(writeFrameHeader(out, kBinary, true, false, 65536, nullptr), size_t(10));
  CHECK_EQ(out[1], 127);
  const uint8_t len64[8] = {0, 0, 0, 0, 0, 1, 0, 0};
  CHECK(std::memcmp(out + 2, len64, 8) == 0);
  const uint8_t key[4] = {1, 2, 3, 4};
  CHECK_EQ(writeFrameHeader(out, kPing, true, false, 0x0102030405ull, key), size_t(14));
  CHECK_EQ(out[0], 0x89);
  CHECK_EQ(out[1], 0x80 | 127);
  const uint8_t len64b[8] = {0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0x05};
  CHECK(std::memcmp(out + 2, len64b, 8) == 0);
  CHECK(std::memcmp(out + 10, key, 4) == 0);
  CHECK_EQ(writeFrameHeader(out, kClose, true, false, 2, key), size_t(6));
  CHECK_EQ(out[0], 0x88);
  CHECK_EQ(out[1], 0x82);
  CHECK(std::memcmp(out + 2, key, 4) == 0);
  CHECK_EQ(writeFrameHeader(out, kPong, true, false, 0, nullptr), size_t(2));
  CHECK_EQ(out[0], 0x8A);
  CHECK_EQ(out[1], 0);
}

UWS_TEST(writer_close_payload) {
  uint8_t out[125];
  CHECK_EQ(writeClosePayload(out, 1000, nullptr, 0), size_t(2));
  CHECK_EQ(out[0], 0x03);
  CHECK_EQ(out[1], 0xE8);
  const std::string reason = "bye \xc3\xa9";
  CHECK_EQ(writeClosePayload(out, 4999, reinterpret_cast<const uint8_t*>(reason.data()), reason.size()), size_t(8));
  CHECK_EQ(out[0], 0x13);
  CHECK_EQ(out[1], 0x87);
  CHECK_EQ(stringOf(out + 2, 6), reason);
  const std::string longest(123, 'r');
  CHECK_EQ(writeClosePayload(out, 1001, reinterpret_cast<const uint8_t*>(longest.data()), longest.size()), size_t(125));
}

UWS_TEST(writer_frames_roundtrip_through_parser) {
  for (size_t len : {size_t(0), size_t(125), size_t(126), size_t(65535), size_t(65536)}) {
    std::string payload(len, '\0');
    for (size_t i = 0; i < len; ++i) payload[i] = static_cast<char>(i * 7 + 3);
    CHECK_EQ(parseAll(frame(kBinary, payload)), (std::vector<std::string>{"start binary", "message " + payload}));
  }
}

UWS_TEST(masking_matches_reference) {
  const uint8_t keyBytes[4] = {0x12, 0x9A, 0xF0, 0x07};
  uint32_t key;
  std::memcpy(&key, keyBytes, 4);
  std::vector<uint8_t> src(300);
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint8_t>(i * 31 + 5);
  size_t mismatches = 0;
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t start = 0; start < 9; ++start) {
      for (size_t len : {size_t(0), size_t(1), size_t(3), size_t(7), size_t(8), size_t(9), size_t(31), size_t(32),
                         size_t(33), size_t(64), size_t(100), size_t(250)}) {
        std::vector<uint8_t> dst(len + 1, 0xEE);
        applyMask(dst.data(), src.data() + start, len, key, offset);
        for (size_t i = 0; i < len; ++i) {
          if (dst[i] != static_cast<uint8_t>(src[start + i] ^ keyBytes[(offset + i) % 4])) ++mismatches;
        }
        if (dst[len] != 0xEE) ++mismatches;  // no write past the end
        // In place, then again: back to the original.
        std::vector<uint8_t> buf(src.begin() + static_cast<std::ptrdiff_t>(start),
                                 src.begin() + static_cast<std::ptrdiff_t>(start + len));
        applyMask(buf.data(), buf.data(), len, key, offset);
        for (size_t i = 0; i < len; ++i) {
          if (buf[i] != dst[i]) ++mismatches;
        }
        applyMask(buf.data(), buf.data(), len, key, offset);
        for (size_t i = 0; i < len; ++i) {
          if (buf[i] != src[start + i]) ++mismatches;
        }
      }
    }
  }
  CHECK_EQ(mismatches, size_t(0));
  // Masking in two pieces with the running offset equals masking at once.
  std::vector<uint8_t> whole(src), pieces(src);
  applyMask(whole.data(), whole.data(), whole.size(), key, 0);
  applyMask(pieces.data(), pieces.data(), 13, key, 0);
  applyMask(pieces.data() + 13, pieces.data() + 13, pieces.size() - 13, key, 13);
  CHECK(whole == pieces);
}
