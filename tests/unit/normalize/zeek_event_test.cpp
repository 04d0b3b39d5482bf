// Zeek records onto OCSF: TSV files with headers and JSON lines (Zeek's own JSON writer
// with dotted names, the OTRF streamer with '_' names), per log; bad lines kept raw.
// Expected values are read off the sample lines written here.
#include "normalize/zeek_event.h"

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
    p.source = "test.log";
    stats = read_zeek_log(body, p, batch);
  }
};

const std::string kConnTsv =
    "#separator \\x09\n"
    "#set_separator\t,\n"
    "#empty_field\t(empty)\n"
    "#unset_field\t-\n"
    "#path\tconn\n"
    "#open\t2024-04-12-19-29-12\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\t"
    "resp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\t"
    "resp_pkts\tresp_ip_bytes\ttunnel_parents\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\t"
    "count\tstring\tcount\tcount\tcount\tcount\tset[string]\n"
    "1521911720.615923\tCmC9kY1X0u9nP78KZc\t10.164.94.120\t39611\t10.47.3.200\t443\ttcp\tssl\t1.250500\t"
    "517\t4221\tSF\t-\t-\t0\tShADadFf\t9\t997\t8\t4553\t(empty)\n"
    "1521911721.000001\tCx\t2001:db8::1\t5353\tff02::fb\t5353\tudp\t-\t-\t-\t-\tREJ\t-\t-\t0\tD\t1\t60\t0\t0\t-\n"
    "#close\t2024-04-12-19-34-07\n";

TEST(ZeekEvent, ConnTsvMapsToNetworkActivity) {
  Events ev(kConnTsv);
  ASSERT_EQ(ev.stats.parse_errors, 0u) << ev.stats.first_error;
  ASSERT_EQ(ev.batch.size(), 2u);  // headers are not events
  EXPECT_EQ(ev.n(0, "class_uid"), 4001);
  EXPECT_EQ(ev.n(0, "category_uid"), 4);
  EXPECT_EQ(ev.n(0, "activity_id"), 2);  // SF: closed normally
  EXPECT_EQ(ev.n(0, "type_uid"), 400102);
  EXPECT_EQ(ev.ip(0, "src_endpoint.ip"), "10.164.94.120");
  EXPECT_EQ(ev.n(0, "src_endpoint.port"), 39611);
  EXPECT_EQ(ev.ip(0, "dst_endpoint.ip"), "10.47.3.200");
  EXPECT_EQ(ev.n(0, "dst_endpoint.port"), 443);
  EXPECT_EQ(ev.s(0, "connection_info.protocol_name"), "tcp");
  EXPECT_EQ(ev.s(0, "app_name"), "ssl");
  EXPECT_EQ(ev.n(0, "duration"), 1251);  // 1.2505 s, rounded to ms
  EXPECT_EQ(ev.n(0, "traffic.bytes_out"), 517);
  EXPECT_EQ(ev.n(0, "traffic.bytes_in"), 4221);
  EXPECT_EQ(ev.n(0, "traffic.packets_out"), 9);
  EXPECT_EQ(ev.n(0, "traffic.packets_in"), 8);
  EXPECT_EQ(ev.s(0, "unmapped.zeek.conn_state"), "SF");
  EXPECT_EQ(ev.s(0, "unmapped.zeek.history"), "ShADadFf");
  EXPECT_EQ(ev.n(0, "unmapped.zeek.orig_ip_bytes"), 997);
  EXPECT_EQ(ev.s(0, "metadata.uid"), "CmC9kY1X0u9nP78KZc");
  EXPECT_EQ(ev.s(0, "metadata.log_name"), "conn");
  EXPECT_EQ(ev.s(0, "metadata.product.name"), "Zeek");
  EXPECT_EQ(ev.s(0, "metadata.log_provider"), "zeek");
  EXPECT_EQ(ev.batch[0].time, 1521911720'615923000);
  EXPECT_EQ(ev.get(0, "unmapped.zeek.local_orig"), nullptr);  // unset: omitted
  EXPECT_TRUE(ev.all(0, "unmapped.zeek.tunnel_parents").empty());  // empty set: no elements
  EXPECT_EQ(ev.batch[0].raw.substr(0, 17), "1521911720.615923");
  EXPECT_EQ(ev.batch[0].source, "test.log");

  EXPECT_EQ(ev.n(1, "activity_id"), 5);  // REJ
  EXPECT_EQ(ev.ip(1, "src_endpoint.ip"), "2001:db8::1");
  EXPECT_EQ(ev.get(1, "duration"), nullptr);
}

TEST(ZeekEvent, DnsTsvHasQueryAndRepeatedAnswers) {
  // From the corpus dns.log (first record), trimmed to the columns under test.
  Events ev(
      "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n"
      "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\tquery\tqtype_name\t"
      "rcode\trcode_name\tAA\tanswers\tTTLs\n"
      "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tstring\tstring\tcount\tstring\tbool\t"
      "vector[string]\tvector[interval]\n"
      "1521911720.865716\tCqKst53mF3det3eDV9\t10.47.1.100\t41772\t10.0.0.100\t53\tudp\t36329\tise.wrccdc.org\t"
      "A\t0\tNOERROR\tF\tise.wrccdc.cpp.edu,134.71.3.16\t2230.000000,41830.000000\n"
      "1521912990.151237\tCmc5423NLYRkHDxYDi\t172.31.255.5\t60878\t10.0.0.1\t53\tudp\t36243\ttalk.google.com\t"
      "A\t-\t-\tF\t-\t-\n");
  ASSERT_EQ(ev.stats.parse_errors, 0u) << ev.stats.first_error;
  ASSERT_EQ(ev.batch.size(), 2u);
  EXPECT_EQ(ev.n(0, "class_uid"), 4003);
  EXPECT_EQ(ev.n(0, "activity_id"), 6);  // query and response seen
  EXPECT_EQ(ev.s(0, "query.hostname"), "ise.wrccdc.org");
  EXPECT_EQ(ev.s(0, "query.type"), "A");
  EXPECT_EQ(ev.n(0, "rcode_id"), 0);
  EXPECT_EQ(ev.s(0, "rcode"), "NOERROR");
  std::vector<Value> answers = ev.all(0, "answers.rdata");
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].as_string(), "ise.wrccdc.cpp.edu");
  EXPECT_EQ(answers[1].as_string(), "134.71.3.16");
  std::vector<Value> ttls = ev.all(0, "unmapped.zeek.TTLs");
  ASSERT_EQ(ttls.size(), 2u);
  EXPECT_EQ(ttls[1].type, FieldType::Float64);
  EXPECT_DOUBLE_EQ(ttls[1].f64, 41830.0);
  const Value* aa = ev.get(0, "unmapped.zeek.AA");
  ASSERT_NE(aa, nullptr);
  EXPECT_EQ(aa->type, FieldType::Bool);
  EXPECT_FALSE(aa->b);
  EXPECT_EQ(ev.n(1, "activity_id"), 1);  // no rcode, no answers: a query only
}

TEST(ZeekEvent, OtrfJsonNamesAreReadAsZeekNames) {
  // day1 combined_zeek.log, first line (OTRF streamer: "@stream", '_' names).
  Events ev(
      R"({"@stream":"conn","@system":"bobs.bigwheel.local","@proc":"zeek","ts":1588205199.82437,"uid":"Cvf4XX17hSAgXDdGEd","id_orig_h":"10.0.1.6","id_orig_p":54243,"id_resp_h":"10.0.0.4","id_resp_p":53,"proto":"udp","service":"dns","duration":0.001528024673461914,"orig_bytes":39,"resp_bytes":55,"conn_state":"SF","missed_bytes":0,"history":"Dd","orig_pkts":1,"orig_ip_bytes":67,"resp_pkts":1,"resp_ip_bytes":83})");
  ASSERT_EQ(ev.stats.parse_errors, 0u) << ev.stats.first_error;
  ASSERT_EQ(ev.batch.size(), 1u);
  EXPECT_EQ(ev.n(0, "class_uid"), 4001);
  EXPECT_EQ(ev.ip(0, "src_endpoint.ip"), "10.0.1.6");
  EXPECT_EQ(ev.n(0, "src_endpoint.port"), 54243);
  EXPECT_EQ(ev.ip(0, "dst_endpoint.ip"), "10.0.0.4");
  EXPECT_EQ(ev.n(0, "dst_endpoint.port"), 53);
  EXPECT_EQ(ev.n(0, "duration"), 2);  // 1.528 ms
  EXPECT_EQ(ev.s(0, "metadata.log_name"), "conn");
  EXPECT_EQ(ev.s(0, "unmapped.zeek.@system"), "bobs.bigwheel.local");
  EXPECT_EQ(ev.get(0, "unmapped.zeek.@stream"), nullptr);  // it is the log name
  EXPECT_EQ(ev.batch[0].time, 1588205199'824370000);
}

TEST(ZeekEvent, ZeekJsonWithDottedNamesAndIsoTime) {
  Events ev(
      R"({"_path":"dns","ts":"2020-04-30T00:06:39.824370Z","uid":"C1","id.orig_h":"10.0.1.6","id.orig_p":54243,"id.resp_h":"10.0.0.4","id.resp_p":53,"proto":"udp","query":"newyork.dmevals.local","qtype_name":"A","rcode":0,"answers":["10.0.0.4"],"TTLs":[3600.0]})");
  ASSERT_EQ(ev.stats.parse_errors, 0u) << ev.stats.first_error;
  EXPECT_EQ(ev.n(0, "class_uid"), 4003);
  EXPECT_EQ(ev.s(0, "query.hostname"), "newyork.dmevals.local");
  EXPECT_EQ(ev.ip(0, "src_endpoint.ip"), "10.0.1.6");
  ASSERT_EQ(ev.all(0, "answers.rdata").size(), 1u);
  EXPECT_EQ(ev.batch[0].time, 1588205199'824370000);
}

TEST(ZeekEvent, KerberosAndNtlmAreAuthentication) {
  Events ev(
      R"({"@stream":"kerberos","ts":1588205240.5,"uid":"Ck","id_orig_h":"10.0.1.6","id_orig_p":49700,"id_resp_h":"10.0.0.4","id_resp_p":88,"request_type":"TGS","client":"pbeesly/DMEVALS.LOCAL","service":"host/scranton.dmevals.local","success":true,"cipher":"aes256-cts-hmac-sha1-96"})"
      "\n"
      R"({"@stream":"ntlm","ts":1588205241,"uid":"Cn","id_orig_h":"10.0.1.6","id_orig_p":49701,"id_resp_h":"10.0.0.4","id_resp_p":445,"username":"pbeesly","domainname":"DMEVALS","hostname":"SCRANTON","success":false})");
  ASSERT_EQ(ev.stats.parse_errors, 0u) << ev.stats.first_error;
  ASSERT_EQ(ev.batch.size(), 2u);
  EXPECT_EQ(ev.n(0, "class_uid"), 3002);
  EXPECT_EQ(ev.n(0, "activity_id"), 4);  // TGS: Service Ticket Request
  EXPECT_EQ(ev.s(0, "user.name"), "pbeesly/DMEVALS.LOCAL");
  EXPECT_EQ(ev.s(0, "service.name"), "host/scranton.dmevals.local");
  EXPECT_EQ(ev.n(0, "status_id"), 1);
  EXPECT_EQ(ev.s(0, "status"), "Success");
  EXPECT_EQ(ev.s(0, "auth_protocol"), "Kerberos");
  EXPECT_EQ(ev.s(0, "unmapped.zeek.cipher"), "aes256-cts-hmac-sha1-96");
  EXPECT_EQ(ev.n(1, "class_uid"), 3002);
  EXPECT_EQ(ev.s(1, "user.name"), "pbeesly");
  EXPECT_EQ(ev.s(1, "user.domain"), "DMEVALS");
  EXPECT_EQ(ev.n(1, "status_id"), 2);
  EXPECT_EQ(ev.batch[1].time, 1588205241 * kNsPerSec);
}

TEST(ZeekEvent, SslAndX509CarryTls) {
  Events ev(
      "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tssl\n"
      "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\tserver_name\n"
      "#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\n"
      "1521911720.615923\tCmC\t10.164.94.120\t39611\t10.47.3.200\t443\tTLSv12\tTLS_AES\texample.org\n"
      "#path\tx509\n"
      "#fields\tts\tfingerprint\tcertificate.subject\tcertificate.not_valid_after\tsan.dns\n"
      "#types\ttime\tstring\tstring\ttime\tvector[string]\n"
      "1521911720.624556\tb2da\tCN=localhost.localdomain,O=VMware\\\\, Inc\t1678536902.000000\ta.example,b.example\n");
  ASSERT_EQ(ev.stats.parse_errors, 0u) << ev.stats.first_error;
  ASSERT_EQ(ev.batch.size(), 2u);
  EXPECT_EQ(ev.n(0, "class_uid"), 4001);
  EXPECT_EQ(ev.s(0, "tls.sni"), "example.org");
  EXPECT_EQ(ev.s(0, "tls.version"), "TLSv12");
  EXPECT_EQ(ev.s(0, "metadata.log_name"), "ssl");
  EXPECT_EQ(ev.s(1, "metadata.log_name"), "x509");
  EXPECT_EQ(ev.s(1, "tls.certificate.subject"), "CN=localhost.localdomain,O=VMware\\, Inc");
  const Value* expires = ev.get(1, "tls.certificate.expiration_time");
  ASSERT_NE(expires, nullptr);
  EXPECT_EQ(expires->type, FieldType::Timestamp);
  EXPECT_EQ(expires->ts, 1678536902 * kNsPerSec);
  EXPECT_EQ(ev.all(1, "tls.sans.name").size(), 2u);
}

TEST(ZeekEvent, OtherLogsAreBaseEventsWithEveryField) {
  Events ev(
      R"({"@stream":"loaded_scripts","ts":1588316619.79,"name":"/opt/zeek/share/zeek/base/init-bare.zeek"})"
      "\n"
      R"({"@stream":"notice","ts":1588316619.79,"note":"SSL::Invalid_Server_Cert","msg":"SSL certificate validation failed","src":"10.0.1.6"})");
  ASSERT_EQ(ev.batch.size(), 2u);
  EXPECT_EQ(ev.n(0, "class_uid"), 0);
  EXPECT_EQ(ev.n(0, "activity_id"), 99);
  EXPECT_EQ(ev.n(0, "type_uid"), 99);
  EXPECT_EQ(ev.s(0, "unmapped.zeek.name"), "/opt/zeek/share/zeek/base/init-bare.zeek");
  EXPECT_EQ(ev.s(0, "metadata.log_name"), "loaded_scripts");
  EXPECT_EQ(ev.n(1, "class_uid"), 0);
  EXPECT_EQ(ev.n(1, "severity_id"), 3);
  EXPECT_EQ(ev.s(1, "message"), "SSL certificate validation failed");
  EXPECT_EQ(ev.ip(1, "src_endpoint.ip"), "10.0.1.6");
  EXPECT_EQ(ev.s(1, "unmapped.zeek.note"), "SSL::Invalid_Server_Cert");
}

TEST(ZeekEvent, BadLinesAreEventsWithParseErrors) {
  Events ev(
      "1.0\tno header yet\n"
      "#separator \\x09\n#path\tconn\n#fields\tts\tuid\n#types\ttime\tstring\n"
      "1521911720.5\tC1\textra\n"
      "#types\ttime\n"
      "{\"@stream\":\"conn\",\"ts\":1\n"
      "1521911720.5\tC2\n");
  EXPECT_EQ(ev.stats.events, 5u);
  EXPECT_EQ(ev.stats.parse_errors, 4u);
  ASSERT_EQ(ev.batch.size(), 5u);
  EXPECT_EQ(ev.stats.first_error, "line 1: record before any #fields header");
  EXPECT_EQ(ev.batch[0].raw, "1.0\tno header yet");
  EXPECT_TRUE(ev.batch[0].flags & kFlagParseError);
  EXPECT_EQ(ev.batch[1].parse_error, "line 6: record has 3 fields but #fields names 2");
  EXPECT_EQ(ev.batch[2].parse_error, "line 7: #types names 1 types but #fields names 2 columns");
  EXPECT_TRUE(ev.batch[3].flags & kFlagParseError);
  EXPECT_EQ(ev.batch[3].raw, "{\"@stream\":\"conn\",\"ts\":1");
  EXPECT_FALSE(ev.batch[4].flags & kFlagParseError);
  EXPECT_EQ(ev.s(4, "metadata.uid"), "C2");
}

TEST(ZeekEvent, LooksLikeZeek) {
  EXPECT_TRUE(looks_like_zeek("#separator \\x09"));
  EXPECT_TRUE(looks_like_zeek(R"({"@stream":"conn","ts":1588205199.82437,"uid":"C"})"));
  EXPECT_TRUE(looks_like_zeek(R"({"_path":"dns","ts":"2020-04-30T00:06:39Z"})"));
  EXPECT_FALSE(looks_like_zeek(R"({"timestamp":"2020-04-30T00:06:39Z","event_type":"alert"})"));
  EXPECT_FALSE(looks_like_zeek("<34>Oct 11 22:14:15 mymachine su: 'su root' failed"));
  EXPECT_FALSE(looks_like_zeek(R"({"_path":"dns"})"));
}

}  // namespace
}  // namespace vigil
