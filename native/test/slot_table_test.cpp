// Connection ids (net/slot_table.h): small integers, stale ids rejected,
// freed slots quarantined before reuse.
#include <cmath>
#include <memory>
#include <vector>

#include "net/slot_table.h"
#include "test/test_harness.h"

using uws::net::SlotTable;

namespace {

struct Entry {
  double id_ = -1;
  double id() const { return id_; }
};

using Table = SlotTable<Entry>;

double addEntry(Table& table, Entry& entry) {
  entry.id_ = table.add(&entry);
  return entry.id_;
}

bool isSmallInteger(double id) { return id >= 0 && id < 2147483648.0 && std::floor(id) == id; }

}  // namespace

UWS_TEST(slot_table_finds_entries_by_id_until_removed) {
  Table table;
  Entry a, b;
  const double idA = addEntry(table, a);
  const double idB = addEntry(table, b);
  CHECK(idA != idB);
  CHECK(table.find(idA) == &a);
  CHECK(table.find(idB) == &b);
  CHECK(Table::slotOf(idA) != Table::slotOf(idB));
  table.remove(idA);
  CHECK(table.find(idA) == nullptr);
  CHECK(table.find(idB) == &b);
  CHECK_EQ(table.entries().size(), size_t{1});
  // Ids never issued, and ones that are not numbers of ours.
  CHECK(table.find(idB + 1) == nullptr);
  CHECK(table.find(-1) == nullptr);
  CHECK(table.find(std::nan("")) == nullptr);
  CHECK(table.find(idB + 0.5) == nullptr);
}

UWS_TEST(slot_table_reuses_a_slot_only_after_the_quarantine_oldest_first) {
  Table table;
  std::vector<std::unique_ptr<Entry>> entries;
  std::vector<double> ids;
  // One more freed slot than the quarantine holds.
  for (size_t i = 0; i <= Table::kQuarantine; ++i) {
    entries.push_back(std::make_unique<Entry>());
    ids.push_back(addEntry(table, *entries.back()));
  }
  for (double id : ids) table.remove(id);
  // kQuarantine + 1 free: the next id takes the oldest freed slot, with the
  // next generation.
  Entry next;
  const double reused = addEntry(table, next);
  CHECK_EQ(Table::slotOf(reused), Table::slotOf(ids[0]));
  CHECK(reused != ids[0]);
  CHECK(table.find(ids[0]) == nullptr);
  CHECK(table.find(reused) == &next);
  // Now exactly kQuarantine are free: a new slot, not the next freed one.
  Entry fresh;
  const double freshId = addEntry(table, fresh);
  CHECK_EQ(Table::slotOf(freshId), static_cast<uint32_t>(Table::kQuarantine + 1));
}

UWS_TEST(slot_table_ids_stay_small_integers_through_generation_wrap) {
  // One entry at a time, so the same few slots come back again and again:
  // more than kMaxGeneration reuses of each.
  Table table;
  Entry entry;
  const size_t rounds = (Table::kQuarantine + 1) * (Table::kMaxGeneration + 2);
  double previous = -1;
  bool allSmall = true;
  bool staleRejected = true;
  bool wrapped = false;
  for (size_t i = 0; i < rounds; ++i) {
    const double id = addEntry(table, entry);
    allSmall = allSmall && isSmallInteger(id);
    if (previous >= 0) staleRejected = staleRejected && table.find(previous) == nullptr;
    if (id < Table::kSlotRange * 2 && i > Table::kQuarantine) wrapped = true;  // generation 1 again
    // A stale id must not free the live entry's slot.
    if (previous >= 0) table.remove(previous);
    CHECK(table.find(id) == &entry);
    table.remove(id);
    previous = id;
  }
  CHECK(allSmall);
  CHECK(staleRejected);
  CHECK(wrapped);
}
