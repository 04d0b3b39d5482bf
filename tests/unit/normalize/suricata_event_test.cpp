// Suricata EVE onto OCSF. No EVE corpus exists in shared/corpus, so the lines here are
// written after the record layouts of Suricata's "EVE JSON Format" documentation
// (alert with ET-style MITRE metadata, flow, dns v2 with answers, http, tls, stats);
// expected values are read off these lines.
#include "normalize/suricata_event.h"

#include <gtest/gtest.h>

#include "batch_fields.h"

#include <string>
#include <vector>

namespace vigil {
namespace {

struct Events : testing::BatchFields {
  ZeekReadStats stats;

  explicit Events(std::string_view body) {
    Provenance p;
    p.receive_time = 42;
    p.input = "file";
    stats = read_suricata_eve(body, p, batch);
  }
};

const char* const kAlert =
    R"({"timestamp":"2017-04-07T22:24:37.251547+0100","flow_id":586497171462735,"pcap_cnt":53381,"event_type":"alert",)"
    R"("src_ip":"192.168.2.14","src_port":50096,"dest_ip":"209.53.113.5","dest_port":80,"proto":"TCP",)"
    R"("metadata":{"flowbits":["http.dottedquadhost"]},"tx_id":4,"alert":{"action":"allowed","gid":1,)"
    R"("signature_id":2018358,"rev":10,"signature":"ET HUNTING GENERIC SUSPICIOUS POST to Dotted Quad with Fake Browser 1",)"
    R"("category":"Potentially Bad Traffic","severity":2,"metadata":{"attack_target":["Client_Endpoint"],)"
    R"("mitre_tactic_id":["TA0011"],"mitre_tactic_name":["Command_And_Control"],"mitre_technique_id":["T1071"],)"
    R"("mitre_technique_name":["Application_Layer_Protocol"]}},"app_proto":"http",)"
    R"("flow":{"pkts_toserver":5,"pkts_toclient":4,"bytes_toserver":681,"bytes_toclient":1216,"start":"2017-04-07T22:24:37.000000+0100"}})";

TEST(SuricataEvent, AlertIsADetectionFinding) {
  Events ev(kAlert);
  ASSERT_EQ(ev.stats.parse_errors, 0u) << ev.stats.first_error;
  ASSERT_EQ(ev.batch.size(), 1u);
  EXPECT_EQ(ev.n(0, "class_uid"), 2004);
  EXPECT_EQ(ev.n(0, "category_uid"), 2);
  EXPECT_EQ(ev.n(0, "activity_id"), 1);
  EXPECT_EQ(ev.n(0, "type_uid"), 200401);
  EXPECT_EQ(ev.s(0, "finding_info.title"), "ET HUNTING GENERIC SUSPICIOUS POST to Dotted Quad with Fake Browser 1");
  EXPECT_EQ(ev.s(0, "finding_info.uid"), "2018358");
  EXPECT_EQ(ev.n(0, "unmapped.suricata.alert.signature_id"), 2018358);
  EXPECT_EQ(ev.s(0, "finding_info.types"), "Potentially Bad Traffic");
  EXPECT_EQ(ev.n(0, "severity_id"), 3);  // Suricata severity 2: Medium
  EXPECT_EQ(ev.s(0, "action"), "allowed");
  EXPECT_EQ(ev.n(0, "action_id"), 1);
  EXPECT_EQ(ev.s(0, "attacks.technique.uid"), "T1071");
  EXPECT_EQ(ev.s(0, "attacks.tactic.uid"), "TA0011");
  EXPECT_EQ(ev.s(0, "attacks.tactic.name"), "Command_And_Control");
  EXPECT_EQ(ev.ip(0, "src_endpoint.ip"), "192.168.2.14");
  EXPECT_EQ(ev.n(0, "src_endpoint.port"), 50096);
  EXPECT_EQ(ev.ip(0, "dst_endpoint.ip"), "209.53.113.5");
  EXPECT_EQ(ev.n(0, "dst_endpoint.port"), 80);
  EXPECT_EQ(ev.s(0, "connection_info.protocol_name"), "TCP");
  EXPECT_EQ(ev.s(0, "app_name"), "http");
  EXPECT_EQ(ev.n(0, "traffic.bytes_out"), 681);
  EXPECT_EQ(ev.s(0, "metadata.correlation_uid"), "586497171462735");
  EXPECT_EQ(ev.s(0, "unmapped.suricata.metadata.flowbits"), "http.dottedquadhost");
  EXPECT_EQ(ev.s(0, "metadata.product.name"), "Suricata");
  EXPECT_EQ(ev.s(0, "metadata.log_name"), "alert");
  EXPECT_EQ(ev.batch[0].time, 1491600277'251547000);  // +01:00 taken into account
  EXPECT_FALSE(ev.batch[0].flags & kFlagNoTimestamp);
}

TEST(SuricataEvent, SeverityScaleIsInverted) {
  std::string high = kAlert, low = kAlert;
  high.replace(high.find("\"severity\":2"), 12, "\"severity\":1");
  low.replace(low.find("\"severity\":2"), 12, "\"severity\":3");
  EXPECT_EQ(Events(high).n(0, "severity_id"), 4);
  EXPECT_EQ(Events(low).n(0, "severity_id"), 2);
}

TEST(SuricataEvent, FlowDnsHttpTlsAndOthers) {
  Events ev(
      R"({"timestamp":"2017-04-07T22:25:00.000000+0100","flow_id":1,"event_type":"flow","src_ip":"192.168.2.14","src_port":50096,"dest_ip":"209.53.113.5","dest_port":80,"proto":"TCP","app_proto":"http","flow":{"pkts_toserver":5,"pkts_toclient":4,"bytes_toserver":681,"bytes_toclient":1216,"start":"2017-04-07T22:24:37.251547+0100","end":"2017-04-07T22:24:38.000000+0100","age":1,"state":"closed","reason":"timeout","alerted":true}})"
      "\n"
      R"({"timestamp":"2009-11-24T21:27:09.534255Z","event_type":"dns","src_ip":"192.168.2.1","src_port":53,"dest_ip":"192.168.2.7","dest_port":1036,"proto":"UDP","dns":{"version":2,"type":"answer","id":16000,"flags":"8180","qr":true,"rd":true,"ra":true,"rrname":"twitter.com","rrtype":"A","rcode":"NOERROR","answers":[{"rrname":"twitter.com","rrtype":"A","ttl":724,"rdata":"199.16.156.6"},{"rrname":"twitter.com","rrtype":"A","ttl":724,"rdata":"199.16.156.70"}]}})"
      "\n"
      R"j({"timestamp":"2009-11-24T21:27:09.534255Z","event_type":"http","src_ip":"192.168.2.7","src_port":1041,"dest_ip":"195.20.242.89","dest_port":80,"proto":"TCP","tx_id":0,"http":{"hostname":"www.digip.org","url":"/jansson/releases/jansson-2.6.tar.bz2","http_user_agent":"Wget/1.13.4 (linux-gnu)","http_content_type":"application/x-bzip2","http_method":"GET","protocol":"HTTP/1.1","status":200,"length":438796}})j"
      "\n"
      R"({"timestamp":"2016-09-30T13:24:01.000000+0200","event_type":"tls","src_ip":"10.0.0.5","src_port":56422,"dest_ip":"93.184.216.34","dest_port":443,"proto":"TCP","tls":{"subject":"C=US, O=Google Inc, CN=*.google.com","issuerdn":"C=US, O=Google Inc, CN=Google Internet Authority G2","serial":"0C:00:99:B7","fingerprint":"8f:51:12:06","sni":"www.google.com","version":"TLS 1.2","notbefore":"2016-09-15T11:29:38","notafter":"2016-12-08T11:28:00","ja3":{"hash":"e7d705a3286e19ea42f587b344ee6865"}}})"
      "\n\n"
      R"({"timestamp":"2016-09-30T13:24:01.000000+0200","event_type":"stats","stats":{"uptime":74,"capture":{"kernel_packets":11,"kernel_drops":0}}})");
  ASSERT_EQ(ev.stats.parse_errors, 0u) << ev.stats.first_error;
  ASSERT_EQ(ev.batch.size(), 5u);  // the blank line is no event

  EXPECT_EQ(ev.n(0, "class_uid"), 4001);
  EXPECT_EQ(ev.n(0, "activity_id"), 2);  // state closed
  EXPECT_EQ(ev.n(0, "traffic.bytes_in"), 1216);
  EXPECT_EQ(ev.n(0, "traffic.packets_out"), 5);
  const Value* start = ev.get(0, "start_time");
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->type, FieldType::Timestamp);
  EXPECT_EQ(start->ts, 1491600277'251547000);
  EXPECT_EQ(ev.s(0, "unmapped.suricata.flow.reason"), "timeout");

  EXPECT_EQ(ev.n(1, "class_uid"), 4003);
  EXPECT_EQ(ev.n(1, "activity_id"), 2);  // an answer
  EXPECT_EQ(ev.s(1, "query.hostname"), "twitter.com");
  EXPECT_EQ(ev.s(1, "rcode"), "NOERROR");
  std::vector<Value> rdata = ev.all(1, "answers.rdata");
  ASSERT_EQ(rdata.size(), 2u);
  EXPECT_EQ(rdata[1].as_string(), "199.16.156.70");

  EXPECT_EQ(ev.n(2, "class_uid"), 4002);
  EXPECT_EQ(ev.n(2, "activity_id"), 3);  // GET
  EXPECT_EQ(ev.s(2, "http_request.url.hostname"), "www.digip.org");
  EXPECT_EQ(ev.s(2, "http_request.url.path"), "/jansson/releases/jansson-2.6.tar.bz2");
  EXPECT_EQ(ev.s(2, "http_request.user_agent"), "Wget/1.13.4 (linux-gnu)");
  EXPECT_EQ(ev.n(2, "http_response.code"), 200);

  EXPECT_EQ(ev.n(3, "class_uid"), 4001);
  EXPECT_EQ(ev.s(3, "tls.sni"), "www.google.com");
  EXPECT_EQ(ev.s(3, "tls.version"), "TLS 1.2");
  EXPECT_EQ(ev.s(3, "tls.certificate.subject"), "C=US, O=Google Inc, CN=*.google.com");
  EXPECT_EQ(ev.s(3, "tls.ja3_hash.value"), "e7d705a3286e19ea42f587b344ee6865");
  const Value* notafter = ev.get(3, "tls.certificate.expiration_time");
  ASSERT_NE(notafter, nullptr);
  EXPECT_EQ(notafter->ts, 1481196480 * kNsPerSec);

  EXPECT_EQ(ev.n(4, "class_uid"), 0);
  EXPECT_EQ(ev.n(4, "activity_id"), 99);
  EXPECT_EQ(ev.n(4, "unmapped.suricata.stats.capture.kernel_packets"), 11);
  EXPECT_EQ(ev.s(4, "metadata.log_name"), "stats");
}

TEST(SuricataEvent, BadLinesAreKeptWithAParseError) {
  Events ev("not json\n{\"timestamp\":\"2017-04-07T22:24:37Z\",\"event_type\":\"alert\"\n[1,2]\n{\"event_type\":\"flow\"}\n");
  ASSERT_EQ(ev.batch.size(), 4u);
  EXPECT_EQ(ev.stats.parse_errors, 3u);
  EXPECT_TRUE(ev.batch[0].flags & kFlagParseError);
  EXPECT_EQ(ev.batch[0].raw, "not json");
  EXPECT_EQ(ev.stats.first_error.substr(0, 8), "line 1: ");
  EXPECT_TRUE(ev.batch[1].flags & kFlagParseError);
  EXPECT_EQ(ev.batch[2].parse_error, "line 3: expected a JSON object");
  // A JSON object without a timestamp is still mapped, with the receive time.
  EXPECT_FALSE(ev.batch[3].flags & kFlagParseError);
  EXPECT_TRUE(ev.batch[3].flags & kFlagNoTimestamp);
  EXPECT_EQ(ev.batch[3].time, 42);
  EXPECT_EQ(ev.n(3, "class_uid"), 4001);
}

TEST(SuricataEvent, LooksLikeEve) {
  EXPECT_TRUE(looks_like_suricata_eve(kAlert));
  EXPECT_FALSE(looks_like_suricata_eve(R"({"@stream":"conn","ts":1588205199.82437,"uid":"C"})"));
  EXPECT_FALSE(looks_like_suricata_eve("timestamp event_type"));
}

}  // namespace
}  // namespace vigil
