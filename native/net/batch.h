// Brackets the work of one libuv callback: the binding opens its handle and
// callback scopes on entry, and ticks and microtasks run once on exit.
#pragma once

#include "net/loop_context.h"

namespace uws::net {

class Batch {
 public:
  Batch(LoopContext& context, void* scope) : context_(context) {
    context_.events().enterBatch(scope);
  }
  ~Batch() { context_.events().leaveBatch(); }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

 private:
  LoopContext& context_;
};

}  // namespace uws::net
