// Firewall packs on lines written from the vendors' documented formats where the
// corpus has none (Sophos UTM, LEEF 2.0): the right pack, class, action and endpoints.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "normalize/line_normalizer.h"
#include "normalize/pack_loader.h"

namespace vigil {
namespace {

struct Parsed {
  EventBatch batch;
  std::string s(std::string_view name) const {
    FieldId id = field_dictionary().find(name);
    const Value* v = id == kNoField ? nullptr : batch.find(batch[0], id);
    if (!v) return "<missing>";
    if (v->type == FieldType::String) return std::string(v->as_string());
    if (v->type == FieldType::Int64) return std::to_string(v->i64);
    if (v->type == FieldType::Ip) return v->as_ip().to_string();
    if (v->type == FieldType::Timestamp) return format_rfc3339(v->ts);
    return "<other type>";
  }
};

Parsed parse(std::string_view line) {
  static const auto packs = [] {
    PackLoad load = load_pack_dir(default_parsers_dir());
    EXPECT_TRUE(load.refusals.empty()) << load.refusals.front();
    return std::make_shared<const PackSet>(std::move(load.packs));
  }();
  Parsed p;
  LineNormalizer n(NormalizerOptions{.packs = packs});
  n.add_line(line, Provenance{.receive_time = 1'796'000'000LL * kNsPerSec, .input = "test"}, p.batch);
  n.flush(p.batch);
  EXPECT_EQ(p.batch.size(), 1u);
  return p;
}

TEST(FirewallPacks, SophosUtmPacketDropped) {
  Parsed p = parse(
      R"(<30>2013:07:03-09:39:37 fw-1 ulogd[4912]: id="2001" severity="info" sys="SecureNet" sub="packetfilter" )"
      R"(name="Packet dropped" action="drop" fwrule="60001" initf="eth0" srcip="192.0.2.10" dstip="198.51.100.7" )"
      R"(proto="17" length="78" srcport="137" dstport="137")");
  EXPECT_EQ(p.s("metadata.log_provider"), "sophos-utm");
  EXPECT_EQ(p.s("class_uid"), "4001");
  EXPECT_EQ(p.s("action_id"), "2");
  EXPECT_EQ(p.s("src_endpoint.ip"), "192.0.2.10");
  EXPECT_EQ(p.s("dst_endpoint.port"), "137");
  EXPECT_EQ(p.s("policy.uid"), "60001");
  EXPECT_EQ(p.s("time"), "2013-07-03T09:39:37.000Z");
  EXPECT_EQ(p.s("device.hostname"), "fw-1");
}

// The kv step starts at IN= (no extraction regex): a log prefix glued to it and the
// kernel's uptime stamp before it are told apart, the pairs are not repeated whole
// under unmapped.*, and the protocol number is an integer as OCSF types it.
TEST(FirewallPacks, NetfilterPrefixGluedToThePairs) {
  Parsed p = parse(
      "Nov 18 13:39:49 OpenWRT kernel: [10051.313745] DROP(src wan)IN=eth0 OUT= MAC=c2:56:27:73:33:cf:c4:f0:81:b0:93:24:08:00 "
      "SRC=205.205.205.205 DST=192.168.8.100 LEN=44 TOS=0x00 PREC=0x00 TTL=31 ID=8549 PROTO=TCP SPT=40952 DPT=23 "
      "WINDOW=64144 RES=0x00 SYN URGP=0 MARK=0xff00");
  EXPECT_EQ(p.s("metadata.log_provider"), "netfilter");
  EXPECT_EQ(p.s("policy.name"), "DROP(src wan)");
  EXPECT_EQ(p.s("src_endpoint.ip"), "205.205.205.205");
  EXPECT_EQ(p.s("dst_endpoint.port"), "23");
  EXPECT_EQ(p.s("src_endpoint.intf_name"), "eth0");
  EXPECT_EQ(p.s("connection_info.protocol_num"), "6");
  const Value* proto = p.batch.find(p.batch[0], field_dictionary().find("connection_info.protocol_num"));
  ASSERT_NE(proto, nullptr);
  EXPECT_EQ(proto->type, FieldType::Int64);
  EXPECT_EQ(p.s("unmapped.netfilter.pairs"), "<missing>");
  EXPECT_EQ(p.s("unmapped.netfilter.log_prefix"), "<missing>");
  EXPECT_EQ(p.s("unmapped.netfilter.TTL"), "31");

  Parsed plain = parse("Feb  4 23:33:37 hostname kernel: FIREWALL_OUT IN= OUT=eth0 SRC=192.168.6.57 DST=216.161.248.225 "
                       "LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=18547 DF PROTO=TCP SPT=46388 DPT=37628 WINDOW=6930");
  EXPECT_EQ(plain.s("policy.name"), "FIREWALL_OUT");
  EXPECT_EQ(plain.s("dst_endpoint.intf_name"), "eth0");
}

TEST(FirewallPacks, Leef2WithCaretDelimiter) {
  Parsed p = parse("LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^srcPort=5555^dstPort=443^"
                   "proto=tcp^usrName=alice^action=blocked");
  EXPECT_EQ(p.s("metadata.log_provider"), "leef");
  EXPECT_EQ(p.s("class_uid"), "4001");
  EXPECT_EQ(p.s("metadata.product.vendor_name"), "Lancope");
  EXPECT_EQ(p.s("src_endpoint.ip"), "10.0.1.8");
  EXPECT_EQ(p.s("dst_endpoint.port"), "443");
  EXPECT_EQ(p.s("actor.user.name"), "alice");
  EXPECT_EQ(p.s("action_id"), "2");
}

TEST(FirewallPacks, CefDenyFromAnyVendor) {
  Parsed p = parse("<134>Nov 22 06:58:00 fw01 CEF:0|Acme|NGFW|9.1|100|Connection denied|6|src=203.0.113.5 spt=4444 "
                   "dst=10.0.0.7 dpt=3389 proto=TCP act=deny suser=bob msg=RDP from outside");
  EXPECT_EQ(p.s("metadata.log_provider"), "cef");
  EXPECT_EQ(p.s("class_uid"), "4001");
  EXPECT_EQ(p.s("action_id"), "2");
  EXPECT_EQ(p.s("src_endpoint.ip"), "203.0.113.5");
  EXPECT_EQ(p.s("dst_endpoint.port"), "3389");
  EXPECT_EQ(p.s("message"), "RDP from outside");
  EXPECT_EQ(p.s("metadata.product.name"), "NGFW");
}

}  // namespace
}  // namespace vigil
