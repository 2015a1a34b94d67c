// The ids JS knows connections by: a slot index plus a generation, so that
// an id kept after its connection ended does not reach the connection that
// uses the slot next.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace uws::net {

// `Entry` has `double id() const`, the id add() gave it: a live slot's
// generation is read from its entry (8 bytes per slot, not 16).
template <class Entry>
class SlotTable {
 public:
  // Slot in the low 24 bits, generation (1..kMaxGeneration) above: every id
  // is below 2^31, a small integer (Smi) to V8 as Node builds it (without
  // pointer compression; with it, Smis end at 2^30 and generations from 64
  // on would be boxed). A larger id is a heap-allocated number: a 16-byte
  // box for each WebSocket's `_connectionId`, and a representation change
  // of that field for all of them (it happened after ~128 connections
  // through one slot).
  static constexpr double kSlotRange = 16777216.0;  // 2^24
  static constexpr uint32_t kMaxGeneration = 127;
  // A slot is reused only while more than this many are free, oldest first:
  // with 127 generations, a stale id must not meet its slot again soon.
  // Once more than kQuarantine slots have been free, every freed slot waits
  // behind at least kQuarantine others, so at least kQuarantine + 1 ids are
  // issued between two uses of a slot (only its first reuse may come
  // sooner): a stale id can name another entry only after ~516,000 more
  // ids, and only if it is used at that moment.
  static constexpr size_t kQuarantine = 4096;

  static_assert((kMaxGeneration + 1) * kSlotRange - 1 <= 2147483647.0, "ids must stay below 2^31");

  // Stores `entry` and returns its id.
  double add(Entry* entry) {
    uint32_t index;
    uint32_t generation = 1;
    if (free_.size() > kQuarantine) {
      index = free_.front().index;
      generation = free_.front().generation % kMaxGeneration + 1;
      free_.pop_front();
    } else {
      index = static_cast<uint32_t>(slots_.size());
      slots_.push_back(nullptr);
    }
    slots_[index] = entry;
    return static_cast<double>(generation) * kSlotRange + index;
  }

  // Frees the slot of `id` if `id` names the entry now in it.
  void remove(double id) {
    uint32_t index;
    if (!liveSlot(id, &index)) return;
    slots_[index] = nullptr;
    free_.push_back(FreeSlot{index, generationOf(id)});
  }

  // The entry `id` names, or null (an id that outlived its entry, or one
  // never issued).
  Entry* find(double id) const {
    uint32_t index;
    return liveSlot(id, &index) ? slots_[index] : nullptr;
  }

  // The entries present now, in slot order.
  std::vector<Entry*> entries() const {
    std::vector<Entry*> present;
    for (Entry* entry : slots_) {
      if (entry) present.push_back(entry);
    }
    return present;
  }

  // Unique among the entries present at one time, and small.
  static uint32_t slotOf(double id) {
    return static_cast<uint32_t>(id - generationOf(id) * kSlotRange);
  }

 private:
  struct FreeSlot {
    uint32_t index;
    uint32_t generation;  // of the slot's last id
  };

  static uint32_t generationOf(double id) { return static_cast<uint32_t>(id / kSlotRange); }

  bool liveSlot(double id, uint32_t* index) const {
    if (!(id >= 0)) return false;
    *index = slotOf(id);
    return *index < slots_.size() && slots_[*index] && slots_[*index]->id() == id;
  }

  std::vector<Entry*> slots_;
  std::deque<FreeSlot> free_;  // oldest first
};

}  // namespace uws::net
