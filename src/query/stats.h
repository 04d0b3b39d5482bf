// `| stats`: groups matching events by the text of the by-fields and computes
// aggregates per group, then turns the groups into the result table.
//
// Choices (Splunk differs on the first two):
//  - An event without a by-field is counted in a group whose key is null; Splunk
//    drops such events. Keeping them makes the counts add up to the matches and
//    shows how many events lack the field, which an analyst usually wants to know.
//  - A repeated (multi-valued) by-field counts the event once under each distinct
//    value (as Splunk does); with several such fields, once per combination.
//  - Keys are compared and returned as text (an IP "10.0.0.5", a port "22").
//  - Rows are sorted by the first aggregate, descending, then by key ascending
//    (nulls last), so the answer is stable.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/event_batch.h"
#include "query/flat_counter.h"
#include "query/query_ast.h"
#include "query/value_text.h"
#include "store/scan.h"

namespace vigil {
struct SearchResult;
}

namespace vigil::query {

class StatsAccumulator {
 public:
  // Resolves field names once. first_value_only: a repeated by-field counts by its
  // first value alone, as stages that see events as rows do (top, rare).
  explicit StatsAccumulator(const StatsStage& stage, bool first_value_only = false);

  void add(const EventBatch& batch, const Event& event);
  // True when add_block() can take the rows of a block without events: count()s only,
  // at most one by-field. (The caller also needs every row of the block to match.)
  bool takes_blocks() const;
  // Adds every selected row of a block (store/scan.h) that holds the by-field's
  // columns: each distinct value is counted in a local table, then merged once.
  void add_block(const BlockView& block);
  // Adds the groups of `other` (same stage) into this one: workers of a parallel
  // scan each fill their own accumulator.
  void merge(StatsAccumulator& other);
  // Fills result.columns and result.rows, and sets is_table.
  void finish(SearchResult& result);
  // Rough bytes the groups hold (for the memory budget), and how many there are.
  size_t bytes() const;
  size_t groups() const;

 private:
  // Per-group state of one aggregate. count() needs one number; dc/sum/avg will
  // add members (a sketch, a sum) rather than new containers.
  struct AggState {
    uint64_t count = 0;
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  void add_group(const EventBatch& batch, const Event& event);
  // The group of key_, made on first sight.
  uint32_t group_of_key();
  // Adds `n` events to the group of `value` (nullptr: the null group), count()s only.
  void add_count(const Value* value, uint64_t n);
  void add_packed_ips(const BlockView& block, const ColumnSlice& column, uint64_t& nulls);
  // Moves the counts of typed_ into groups (before merge and finish).
  void flush_typed();

  StatsStage stage_;
  bool first_value_only_ = false;
  std::vector<FieldId> by_ids_;    // kNoField: every event has a null key there
  std::vector<FieldId> agg_ids_;   // argument of count(field), or kNoField
  // A group key is the by-values encoded as (1 byte present, 4 bytes length, bytes)
  // each; it indexes groups_ and is decoded once at finish().
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> index_;
  std::vector<std::string> keys_;
  std::vector<std::vector<AggState>> groups_;
  size_t group_bytes_ = 0;

  // Scratch reused for every event: the values of each by-field and the key.
  std::vector<std::vector<const Value*>> values_;
  std::vector<size_t> odometer_;
  std::vector<TextBuffer> text_;
  std::string key_;
  // add_block() of a typed by-column counts per value bits here, across blocks, and
  // builds a group key once per distinct value, at flush_typed(). Indexed by FieldType.
  std::array<FlatCounter, 6> typed_;
};

}  // namespace vigil::query
