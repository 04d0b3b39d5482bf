// The fast paths of running packs (issue 6, 500k lines/s): parse_ip against
// IpAddress::parse, the Record index kept up to date as fields are added, and the
// unmapped.* names of two packs reading the same key on one thread.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/event_batch.h"
#include "normalize/field_conversion.h"
#include "normalize/pack_loader.h"
#include "normalize/pack_set.h"
#include "normalize/record.h"

namespace vigil {
namespace {

TEST(ParseIp, ReadsWhatIpAddressParseReads) {
  for (const char* t : {"10.0.0.1", "0.0.0.0", "255.255.255.255", "1.2.3.4", "192.168.100.254", "::1", "[::1]", "fe80::1",
                        "::ffff:1.2.3.4", "256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.04", "1..2.3", ".1.2.3",
                        "1.2.3.", "", "1.2.3.4 ", "a.b.c.d", "1234.1.1.1", "1.2.3.0", "10.0.0.1:443", "0", "2001:db8::5", "1234::1", "300::"}) {
    const auto fast = parse_ip(t);
    const auto ref = IpAddress::parse(t);
    ASSERT_EQ(fast.has_value(), ref.has_value()) << t;
    if (fast) {
      EXPECT_EQ(*fast, *ref) << t;
    }
  }
  EXPECT_EQ(*parse_ip("10.1.2.3"), IpAddress::v4(10, 1, 2, 3));
}

TEST(RecordIndex, FindsFieldsAddedAfterALookUp) {
  Record r;
  r.add("a", "1");
  r.add("b", "2");
  ASSERT_NE(r.find("a"), nullptr);
  EXPECT_EQ(r.find("c"), nullptr);
  r.add("c", "3");
  r.add("a", "4");  // a later value of a key wins
  ASSERT_NE(r.find("c"), nullptr);
  EXPECT_EQ(r.find("c")->value, "3");
  EXPECT_EQ(r.find("a")->value, "4");
  EXPECT_EQ(r.find("a", Record::key_hash("a"))->value, "4");
  r.clear();
  EXPECT_EQ(r.find("a"), nullptr);
  r.add("x", "9");
  EXPECT_EQ(r.find("x")->value, "9");
  EXPECT_EQ(r.find("a"), nullptr);
  // Keys changed in place are found under their new names once the index is forgotten.
  r.fields[0].key = "y";
  r.forget_index();
  EXPECT_EQ(r.find("x"), nullptr);
  EXPECT_EQ(r.find("y")->value, "9");
}

TEST(RecordIndex, ManyFieldsFallBackToTheLinearSearch) {
  Record r;
  std::vector<std::string> keys;
  for (int i = 0; i < 600; ++i) keys.push_back("k" + std::to_string(i));
  for (int i = 0; i < 600; ++i) r.add(keys[i], keys[i]);
  for (int i = 0; i < 600; i += 37) ASSERT_EQ(r.find(keys[i])->value, keys[i]);
  EXPECT_EQ(r.find("k600"), nullptr);
}

std::string field_text(const EventBatch& b, const std::string& name) {
  for (const Field& f : b.fields(b[b.size() - 1]))
    if (field_name(f.id) == name && f.value.type == FieldType::String) return std::string(f.value.as_string());
  return "(absent)";
}

TEST(UnmappedNames, TwoPacksReadingOneKeyEachGetTheirOwnName) {
  PackLoad load;
  load_pack_text("pack: fwa\nmatch: {prefix: ['A ']}\nextract: [{kv: {}}]\nfields: {message: m}\n", "a.yaml", load);
  load_pack_text("pack: fwb\nmatch: {prefix: ['B ']}\nextract: [{kv: {}}]\nfields: {message: m}\n", "b.yaml", load);
  ASSERT_TRUE(load.refusals.empty()) << load.refusals.front();
  auto set = std::make_shared<const PackSet>(std::move(load.packs));
  EventBatch b;
  for (const char* line : {"A k=1 m=x", "B k=2 m=y", "A k=3 m=z"}) {
    b.begin_event(Provenance{});
    PackOutcome o = set->apply(LineInput{.message = line, .line = line}, b);
    ASSERT_NE(o.pack, nullptr) << line;
    EXPECT_TRUE(o.wrote(field_id("message")));
    EXPECT_FALSE(o.wrote(field_id("device.hostname")));
    b.end_event();
    const std::string own = std::string("unmapped.") + o.pack->name + ".k";
    const std::string other = o.pack->name == "fwa" ? "unmapped.fwb.k" : "unmapped.fwa.k";
    EXPECT_EQ(field_text(b, own), std::string(1, line[4])) << line;
    EXPECT_EQ(field_text(b, other), "(absent)") << line;
  }
}

}  // namespace
}  // namespace vigil
