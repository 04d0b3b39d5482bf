// The Pipeline's batch stage: what the stage appends to a batch goes to the store in
// the same append as the input's events, is acknowledged with them by the one
// callback, and is counted apart from them.
#include <gtest/gtest.h>

#include <vector>

#include "ingest/pipeline.h"

namespace vigil {

namespace {

// Keeps every appended batch; acknowledges with the status it is given.
class RecordingStore : public Store {
 public:
  Status answer;
  std::vector<EventBatch> batches;

  void append(EventBatch&& batch, Done done) override {
    batches.push_back(std::move(batch));
    done(answer);
  }
  Status scan(const ScanRequest&, const Visit&, ScanStats*) const override { return {}; }
  Status flush() override { return {}; }
  StoreStats stats() const override { return {}; }
};

// Appends one "alert" per event whose raw contains "bad".
class FlagBad : public BatchStage {
 public:
  size_t process(EventBatch& batch) override {
    const size_t n = batch.size();
    size_t added = 0;
    for (size_t i = 0; i < n; ++i) {
      if (batch[i].raw.find("bad") == std::string_view::npos) continue;
      batch.begin_event({.receive_time = batch[i].receive_time, .raw = batch[i].raw, .input = "stage",
                         .tenant = batch[i].tenant});
      batch.end_event();
      ++added;
    }
    return added;
  }
};

EventBatch lines(std::initializer_list<const char*> raws) {
  EventBatch b;
  for (const char* r : raws) {
    b.begin_event({.receive_time = 1, .raw = r, .input = "test", .tenant = "acme"});
    b.end_event();
  }
  return b;
}

}  // namespace

TEST(BatchStage, AddedEventsAreWrittenAndAcknowledgedWithTheBatch) {
  RecordingStore store;
  IngestCounters counters;
  Pipeline pipeline(store, counters);
  FlagBad stage;
  pipeline.set_stage(&stage);
  ASSERT_TRUE(pipeline.submit_sync(lines({"fine", "bad one", "bad two"})).ok());
  ASSERT_EQ(store.batches.size(), 1u);  // one append: one WAL record, one acknowledgement
  const EventBatch& written = store.batches[0];
  ASSERT_EQ(written.size(), 5u);
  EXPECT_EQ(written[0].raw, "fine");
  EXPECT_EQ(written[3].input, "stage");
  EXPECT_EQ(written[4].raw, "bad two");
  EXPECT_EQ(written[4].tenant, "acme");
  EXPECT_EQ(counters.events_received.load(), 3u);
  EXPECT_EQ(counters.events_stored.load(), 3u);
  EXPECT_EQ(counters.stage_events.load(), 2u);
  EXPECT_EQ(counters.stage_events_stored.load(), 2u);

  store.answer = Status::error("disk full");
  EXPECT_FALSE(pipeline.submit_sync(lines({"bad three"})).ok());
  EXPECT_EQ(counters.events_failed.load(), 1u);
  EXPECT_EQ(counters.stage_events_failed.load(), 1u);
}

TEST(BatchStage, NoStageWritesTheBatchAsItIs) {
  RecordingStore store;
  IngestCounters counters;
  Pipeline pipeline(store, counters);
  ASSERT_TRUE(pipeline.submit_sync(lines({"bad"})).ok());
  EXPECT_EQ(store.batches.at(0).size(), 1u);
  EXPECT_EQ(counters.stage_events.load(), 0u);
}

}  // namespace vigil
