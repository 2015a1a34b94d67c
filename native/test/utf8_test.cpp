// UTF-8 validation against a reference set and a simple reference decoder.
#include <string>
#include <vector>

#include "core/utf8.h"
#include "test/test_harness.h"

using namespace uws::core;

namespace {

bool valid(const std::string& s) { return isValidUtf8(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

// Straightforward reference: decode code points and check the rules.
bool referenceValid(const uint8_t* s, size_t size) {
  size_t i = 0;
  while (i < size) {
    const uint8_t b = s[i];
    size_t n;
    uint32_t cp;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xE0) == 0xC0) {
      n = 1;
      cp = b & 0x1Fu;
    } else if ((b & 0xF0) == 0xE0) {
      n = 2;
      cp = b & 0x0Fu;
    } else if ((b & 0xF8) == 0xF0) {
      n = 3;
      cp = b & 0x07u;
    } else {
      return false;
    }
    if (i + n >= size) return false;
    for (size_t k = 1; k <= n; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3Fu);
    }
    const uint32_t minimum = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000;
    if (cp < minimum || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace

UWS_TEST(utf8_valid_sequences) {
  CHECK(valid(""));
  CHECK(valid("plain ascii text that is longer than sixteen bytes, with \x01 and \x7f"));
  CHECK(valid("\xc2\x80"));                 // U+0080
  CHECK(valid("\xdf\xbf"));                 // U+07FF
  CHECK(valid("\xe0\xa0\x80"));             // U+0800
  CHECK(valid("\xed\x9f\xbf"));             // U+D7FF
  CHECK(valid("\xee\x80\x80"));             // U+E000
  CHECK(valid("\xef\xbf\xbf"));             // U+FFFF
  CHECK(valid("\xf0\x90\x80\x80"));         // U+10000
  CHECK(valid("\xf4\x8f\xbf\xbf"));         // U+10FFFF
  CHECK(valid("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"));  // κόσμε
  CHECK(valid(std::string("a\0b", 3)));
}

UWS_TEST(utf8_invalid_sequences) {
  CHECK(!valid("\x80"));                    // lone continuation
  CHECK(!valid("\xbf"));
  CHECK(!valid("\xc0\x80"));                // overlong NUL
  CHECK(!valid("\xc1\xbf"));                // overlong
  CHECK(!valid("\xe0\x80\x80"));            // overlong
  CHECK(!valid("\xe0\x9f\xbf"));            // overlong U+07FF
  CHECK(!valid("\xf0\x80\x80\x80"));        // overlong
  CHECK(!valid("\xf0\x8f\xbf\xbf"));        // overlong U+FFFF
  CHECK(!valid("\xed\xa0\x80"));            // U+D800
  CHECK(!valid("\xed\xbf\xbf"));            // U+DFFF
  CHECK(!valid("\xed\xa0\x80\xed\xb0\x80"));  // surrogate pair
  CHECK(!valid("\xf4\x90\x80\x80"));        // U+110000
  CHECK(!valid("\xf5\x80\x80\x80"));
  CHECK(!valid("\xf8\x88\x80\x80\x80"));    // 5-byte form
  CHECK(!valid("\xfe"));
  CHECK(!valid("\xff"));
  CHECK(!valid("\xc2"));                    // truncated
  CHECK(!valid("\xe2\x82"));
  CHECK(!valid("\xf0\x9f\x98"));
  CHECK(!valid("\xc2" "a"));
  CHECK(!valid("\xe2\x82" "a"));
  CHECK(!valid("abcdefghijklmnopqrstuvwxyz\xe2\x82"));
  CHECK(!valid("abcdefghijklmnopqrstuvwxyz\x80" "abcdefghijklmnopqrstuvwxyz"));
}

UWS_TEST(utf8_streaming_matches_whole_buffer) {
  const std::vector<std::string> samples = {
      "h\xc3\xa9llo w\xe2\x82\xac" "rld \xf0\x9f\x98\x80!",
      "\xf4\x8f\xbf\xbf\xef\xbf\xbf\xed\x9f\xbf",
      "abc\xed\xa0\x80",
      "\xe0\xa0\x80\xe0\x9f\xbf",
      "0123456789abcdef0123456789abcdef\xf0\x90\x80\x80z",
      "\xc2",
  };
  for (const std::string& s : samples) {
    const bool whole = valid(s);
    for (size_t cut1 = 0; cut1 <= s.size(); ++cut1) {
      for (size_t cut2 = cut1; cut2 <= s.size(); ++cut2) {
        Utf8Validator v;
        const auto* p = reinterpret_cast<const uint8_t*>(s.data());
        const bool ok = v.feed(p, cut1) && v.feed(p + cut1, cut2 - cut1) && v.feed(p + cut2, s.size() - cut2);
        CHECK_EQ(ok && v.complete(), whole);
      }
    }
  }
}

UWS_TEST(utf8_fails_at_first_invalid_byte_and_is_sticky) {
  Utf8Validator v;
  const std::string head = "abc\xe2\x82";
  CHECK(v.feed(reinterpret_cast<const uint8_t*>(head.data()), head.size()));
  CHECK(!v.complete());
  const uint8_t bad = 'x';
  CHECK(!v.feed(&bad, 1));
  CHECK(!v.complete());
  const uint8_t good = 'a';
  CHECK(!v.feed(&good, 1));  // sticky
  CHECK(!v.feed(nullptr, 0));
  v.reset();
  CHECK(v.complete());
  CHECK(v.feed(&good, 1));
  CHECK(v.feed(nullptr, 0));
}

UWS_TEST(utf8_exhaustive_short_sequences) {
  // Every 1- and 2-byte input; 3- and 4-byte inputs with interesting trailing
  // bytes, against the reference decoder, whole and byte by byte.
  const uint8_t interesting[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0,
                                 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF};
  size_t mismatches = 0;
  auto check = [&](const uint8_t* p, size_t n) {
    const bool expected = referenceValid(p, n);
    if (isValidUtf8(p, n) != expected) ++mismatches;
    Utf8Validator v;
    bool ok = true;
    for (size_t k = 0; k < n; ++k) ok = v.feed(p + k, 1) && ok;
    if ((ok && v.complete()) != expected) ++mismatches;
  };
  for (int a = 0; a < 256; ++a) {
    uint8_t buf[4] = {static_cast<uint8_t>(a), 0, 0, 0};
    check(buf, 1);
    for (int b = 0; b < 256; ++b) {
      buf[1] = static_cast<uint8_t>(b);
      check(buf, 2);
      for (uint8_t c : interesting) {
        buf[2] = c;
        check(buf, 3);
        if (a < 0xE0) continue;
        for (uint8_t d : interesting) {
          buf[3] = d;
          check(buf, 4);
        }
      }
    }
  }
  CHECK_EQ(mismatches, size_t(0));
}

UWS_TEST(utf8_long_ascii_fast_path) {
  std::string s(1000, 'a');
  CHECK(valid(s));
  for (size_t i = 0; i < 40; ++i) {
    std::string t = s;
    t[500 + i] = static_cast<char>(0x80);
    CHECK(!valid(t));
    t[500 + i] = static_cast<char>(0xC3);
    t[501 + i] = static_cast<char>(0xA9);
    CHECK(valid(t));
  }
}
