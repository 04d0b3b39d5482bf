// Corpus smoke test of the NDJSON reader on real Windows/Sysmon/Cisco events: the
// Sigma regression data (files of one or more pretty-printed JSON documents), each
// document minified onto one line. Skips when ../shared/corpus is absent.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "parse/ndjson.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

// Non-null scalars in `e`, counting each array element: what flattening should emit.
size_t leaves(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      size_t n = 0;
      for (auto kv : simdjson::dom::object(e)) n += leaves(kv.value);
      return n;
    }
    case simdjson::dom::element_type::ARRAY: {
      size_t n = 0;
      for (auto v : simdjson::dom::array(e)) n += leaves(v);
      return n;
    }
    case simdjson::dom::element_type::NULL_VALUE: return 0;
    default: return 1;
  }
}

TEST(NdjsonCorpus, SigmaRegressionEventsParseCleanly) {
  fs::path root = fs::path(VIGIL_CORPUS_DIR) / "sigma" / "regression_data";
  if (!fs::is_directory(root)) GTEST_SKIP() << "corpus not found at " << root << " (needs ../shared/corpus)";
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(root))
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  if (files.empty()) GTEST_SKIP() << "no *.json under " << root;
  std::sort(files.begin(), files.end());
  if (files.size() > 400) files.resize(400);

  std::string body;
  std::vector<size_t> expected_fields;
  simdjson::dom::parser parser;
  for (const auto& path : files) {
    simdjson::padded_string text;
    ASSERT_EQ(simdjson::padded_string::load(path.string()).get(text), simdjson::SUCCESS) << path;
    simdjson::dom::document_stream docs;
    ASSERT_EQ(parser.parse_many(text).get(docs), simdjson::SUCCESS) << path;
    for (auto doc : docs) {
      simdjson::dom::element e;
      ASSERT_EQ(doc.get(e), simdjson::SUCCESS) << path;
      body += simdjson::minify(e);
      body += '\n';
      expected_fields.push_back(leaves(e));
    }
  }

  EventBatch batch;
  Provenance p;
  p.receive_time = 1;
  p.input = "file";
  NdjsonStats stats = read_ndjson(body, p, batch);
  EXPECT_EQ(stats.parse_errors, 0u) << stats.first_error;
  EXPECT_EQ(stats.truncated, 0u);
  ASSERT_EQ(batch.size(), expected_fields.size());
  size_t with_event_id = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(batch[i].field_count, expected_fields[i]) << batch[i].raw;
    EXPECT_GE(batch[i].field_count, 3u) << batch[i].raw;
    const Value* id = batch.find(batch[i], field_id("Event.System.EventID"));
    if (id != nullptr && id->type == FieldType::Int64) ++with_event_id;
  }
  // Most of the set is Windows event logs in their XML-to-JSON shape.
  EXPECT_GT(with_event_id, batch.size() / 2);
}

}  // namespace
}  // namespace vigil
