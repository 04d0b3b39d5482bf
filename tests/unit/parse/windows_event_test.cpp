// Tests of the Windows event readers: Sigma's Windows names and types from libevtx's
// XML and from evtx_dump's JSON, entities, unnamed Data, UserData, bad records, and the
// corpus check that the Sigma regression pairs (.evtx beside evtx_dump's .json) read
// into the same fields.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "parse/evtx.h"
#include "parse/windows_event.h"
#include "parse/windows_event_json.h"
#include "parse/windows_event_xml.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

constexpr TimeNs kReceive = 1'600'000'000'000'000'000;  // 2020-09-13T12:26:40Z

using Triple = std::tuple<std::string, FieldType, std::string>;

std::vector<Triple> fields(const EventBatch& b, size_t i) {
  std::vector<Triple> out;
  for (const Field& f : b.fields(b[i]))
    out.emplace_back(std::string(field_name(f.id)), f.value.type, f.value.to_string());
  return out;
}

// Fields named `name` of event i, as text.
std::vector<std::string> values(const EventBatch& b, size_t i, std::string_view name) {
  std::vector<std::string> out;
  FieldId id = field_id(name);
  for (const Field& f : b.fields(b[i]))
    if (f.id == id) out.push_back(f.value.to_string());
  return out;
}

Provenance base() {
  Provenance p;
  p.receive_time = kReceive;
  p.input = "file";
  return p;
}

// One XML event read as libevtx's rendering; returns the reader's error or "".
std::string read_xml(std::string_view xml, EventBatch& b, WindowsRendering r = WindowsRendering::Libevtx) {
  Provenance p = base();
  p.raw = xml;
  b.begin_event(p);
  const char* why = read_windows_event_xml(b.current().raw, r, b);
  b.end_event();
  return why ? why : "";
}

constexpr std::string_view kSecurityXml = R"(<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-A5BA-3E3B0328C30D}"/>
    <EventID>4624</EventID>
    <Version>2</Version>
    <Level>0</Level>
    <Task>12544</Task>
    <Opcode>0</Opcode>
    <Keywords>0x8020000000000000</Keywords>
    <TimeCreated SystemTime="2025-10-25T13:04:38.507492400Z"/>
    <EventRecordID>117</EventRecordID>
    <Correlation ActivityID="{C96B491C-1545-0001-6049-6BC94515DD01}"/>
    <Execution ProcessID="904" ThreadID="8828"/>
    <Channel>Security</Channel>
    <Computer>dc1.corp.local</Computer>
    <Security/>
  </System>
  <EventData>
    <Data Name="SubjectUserSid">S-1-5-18</Data>
    <Data Name="SubjectLogonId">0x00000000000003e7</Data>
    <Data Name="LogonType">2</Data>
    <Data Name="TargetLogonGuid">{00000000-0000-0000-0000-000000000000}</Data>
    <Data Name="IpAddress">-</Data>
    <Data Name="WorkstationName"></Data>
    <Data Name="LogonProcessName">User32 </Data>
    <Data Name="Status">0x00000000</Data>
  </EventData>
</Event>
)";

TEST(WindowsEventXml, SystemAndEventDataNamesAndTypes) {
  EventBatch b;
  ASSERT_EQ(read_xml(kSecurityXml, b), "");
  EXPECT_EQ(fields(b, 0), (std::vector<Triple>{
                              {"Provider_Name", FieldType::String, "Microsoft-Windows-Security-Auditing"},
                              {"Provider_Guid", FieldType::String, "{54849625-5478-4994-A5BA-3E3B0328C30D}"},
                              {"EventID", FieldType::Int64, "4624"},
                              {"Version", FieldType::Int64, "2"},
                              {"Level", FieldType::Int64, "0"},
                              {"Task", FieldType::Int64, "12544"},
                              {"Opcode", FieldType::Int64, "0"},
                              {"Keywords", FieldType::String, "0x8020000000000000"},
                              {"TimeCreated_SystemTime", FieldType::String, "2025-10-25T13:04:38.5074924Z"},
                              {"EventRecordID", FieldType::Int64, "117"},
                              {"Correlation_ActivityID", FieldType::String, "{C96B491C-1545-0001-6049-6BC94515DD01}"},
                              {"Execution_ProcessID", FieldType::Int64, "904"},
                              {"Execution_ThreadID", FieldType::Int64, "8828"},
                              {"Channel", FieldType::String, "Security"},
                              {"Computer", FieldType::String, "dc1.corp.local"},
                              {"SubjectUserSid", FieldType::String, "S-1-5-18"},
                              // libevtx's padded hex as Windows prints it
                              {"SubjectLogonId", FieldType::String, "0x3e7"},
                              // numeric-looking EventData stays a string
                              {"LogonType", FieldType::String, "2"},
                              {"TargetLogonGuid", FieldType::String, "{00000000-0000-0000-0000-000000000000}"},
                              {"IpAddress", FieldType::String, "-"},
                              {"WorkstationName", FieldType::String, ""},
                              {"LogonProcessName", FieldType::String, "User32 "},  // trailing space kept
                              {"Status", FieldType::String, "0x0"},
                          }));
  EXPECT_EQ(b[0].time, *parse_rfc3339("2025-10-25T13:04:38.5074924Z"));
  EXPECT_EQ(b[0].flags, 0u);
  // Values without entities are slices of the raw, not copies.
  const Value* computer = b.find(b[0], field_id("Computer"));
  ASSERT_NE(computer, nullptr);
  EXPECT_GE(computer->as_string().data(), b[0].raw.data());
  EXPECT_LE(computer->as_string().data() + computer->as_string().size(), b[0].raw.data() + b[0].raw.size());
}

TEST(WindowsEventXml, EventIdWithQualifiersAndUnnamedData) {
  EventBatch b;
  ASSERT_EQ(read_xml(R"(<Event><System><Provider Name="Service Control Manager" EventSourceName="Service Control Manager"/>
    <EventID Qualifiers="16384">7036</EventID><TimeCreated SystemTime="2021-01-01T00:00:00.0000000Z"/>
    <Security UserID="S-1-5-18"/></System>
    <EventData><Data>Windows Update</Data><Data>running</Data><Data/><Binary>770075006100</Binary></EventData></Event>)",
                     b),
            "");
  EXPECT_EQ(fields(b, 0), (std::vector<Triple>{
                              {"Provider_Name", FieldType::String, "Service Control Manager"},
                              {"Provider_EventSourceName", FieldType::String, "Service Control Manager"},
                              {"EventID_Qualifiers", FieldType::Int64, "16384"},
                              {"EventID", FieldType::Int64, "7036"},
                              {"TimeCreated_SystemTime", FieldType::String, "2021-01-01T00:00:00.0000000Z"},
                              {"Security_UserID", FieldType::String, "S-1-5-18"},
                              {"Data", FieldType::String, "Windows Update"},
                              {"Data", FieldType::String, "running"},
                              {"Data", FieldType::String, ""},
                              {"Binary", FieldType::String, "770075006100"},
                          }));
}

TEST(WindowsEventXml, EntitiesCdataAndComments) {
  EventBatch b;
  ASSERT_EQ(read_xml(R"(<?xml version="1.0" encoding="utf-8"?>
<!-- exported -->
<Event><System><Computer>a&amp;b</Computer><Provider Name="x &quot;y&quot; &apos;z&apos; &lt;&gt;"/></System>
<EventData>
  <Data Name="CommandLine">cmd /c "echo &lt;a&gt; &amp;&amp; dir" &#65;&#x42;&#x1F600; &#0; &bogus; AT&amp;T &amp</Data>
  <Data Name="Script"><![CDATA[if (a < b && c > d) {}]]> tail<!-- note --></Data>
  <Data Name="a&amp;b">named with an entity</Data>
</EventData></Event>)",
                     b),
            "");
  EXPECT_EQ(values(b, 0, "Computer"), (std::vector<std::string>{"a&b"}));
  EXPECT_EQ(values(b, 0, "Provider_Name"), (std::vector<std::string>{"x \"y\" 'z' <>"}));
  EXPECT_EQ(values(b, 0, "CommandLine"),
            (std::vector<std::string>{"cmd /c \"echo <a> && dir\" AB\xF0\x9F\x98\x80 &#0; &bogus; AT&T &amp"}));
  EXPECT_EQ(values(b, 0, "Script"), (std::vector<std::string>{"if (a < b && c > d) {} tail"}));
  EXPECT_EQ(values(b, 0, "a&b"), (std::vector<std::string>{"named with an entity"}));
  EXPECT_EQ(b[0].flags, kFlagNoTimestamp);  // no TimeCreated
  EXPECT_EQ(b[0].time, kReceive);
}

TEST(WindowsEventXml, UserDataLeavesByTheirOwnNames) {
  EventBatch b;
  ASSERT_EQ(read_xml(R"(<Event><System><EventID>1102</EventID></System>
  <UserData>
    <LogFileCleared xmlns="http://manifests.microsoft.com/win/2004/08/windows/eventlog">
      <SubjectUserSid>S-1-5-21-1</SubjectUserSid>
      <SubjectUserName>admin</SubjectUserName>
      <Empty/>
      <Nested><Param1>one</Param1><Param1>two</Param1></Nested>
      <Data Name="Named">v</Data>
    </LogFileCleared>
  </UserData></Event>)",
                     b),
            "");
  EXPECT_EQ(fields(b, 0), (std::vector<Triple>{
                              {"EventID", FieldType::Int64, "1102"},
                              {"SubjectUserSid", FieldType::String, "S-1-5-21-1"},
                              {"SubjectUserName", FieldType::String, "admin"},
                              {"Empty", FieldType::String, ""},
                              {"Param1", FieldType::String, "one"},
                              {"Param1", FieldType::String, "two"},
                              {"Named", FieldType::String, "v"},
                          }));
}

TEST(WindowsEventXml, MalformedXmlAddsNothing) {
  for (std::string_view bad : std::vector<std::string_view>{
           "",
           "   ",
           "not xml",
           "<Event><System><EventID>1</EventID></System>",  // not closed
           "<Event><System></Event></System>",              // crossed
           "<Event><System><EventID a=1>1</EventID></System></Event>",
           "<Event><System><EventID a=\"1>1</EventID></System></Event>",
           "<Event/><Event/>",
           "<Event/> trailing",
           "<Other/>",
           std::string_view("<Event/>\0", 9),  // libevtx's terminating NUL left in
       }) {
    EventBatch b;
    std::string why = read_xml(bad, b);
    EXPECT_NE(why, "") << bad;
    EXPECT_EQ(b[0].field_count, 0u) << bad;
  }
  std::string deep = "<Event>";
  for (int i = 0; i < 100; ++i) deep += "<a>";
  for (int i = 0; i < 100; ++i) deep += "</a>";
  deep += "</Event>";
  EventBatch b;
  EXPECT_EQ(read_xml(deep, b), "elements nested too deep");
}

TEST(WindowsEventXml, TimeTextNotATimeIsKept) {
  EventBatch b;
  ASSERT_EQ(read_xml(R"(<Event><System><TimeCreated SystemTime="yesterday"/><EventID>x1</EventID></System></Event>)", b), "");
  EXPECT_EQ(fields(b, 0), (std::vector<Triple>{
                              {"TimeCreated_SystemTime", FieldType::String, "yesterday"},
                              {"EventID", FieldType::String, "x1"},  // not a number: kept as text
                          }));
  EXPECT_EQ(b[0].flags, kFlagNoTimestamp);
}

// The record of kSecurityXml as evtx_dump writes it.
constexpr std::string_view kSecurityJson = R"({
  "Event": {
    "#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
    "System": {
      "Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing", "Guid": "54849625-5478-4994-A5BA-3E3B0328C30D"}},
      "EventID": 4624, "Version": 2, "Level": 0, "Task": 12544, "Opcode": 0,
      "Keywords": "0x8020000000000000",
      "TimeCreated": {"#attributes": {"SystemTime": "2025-10-25T13:04:38.507492Z"}},
      "EventRecordID": 117,
      "Correlation": {"#attributes": {"ActivityID": "C96B491C-1545-0001-6049-6BC94515DD01"}},
      "Execution": {"#attributes": {"ProcessID": 904, "ThreadID": 8828}},
      "Channel": "Security", "Computer": "dc1.corp.local", "Security": null
    },
    "EventData": {
      "SubjectUserSid": "S-1-5-18", "SubjectLogonId": "0x3e7", "LogonType": 2,
      "TargetLogonGuid": "00000000-0000-0000-0000-000000000000", "IpAddress": "-",
      "WorkstationName": "", "LogonProcessName": "User32 ", "Status": "0x0"
    }
  }
})";

TEST(WindowsEventJson, SameFieldsAsTheXml) {
  EventBatch from_xml, from_json;
  ASSERT_EQ(read_xml(kSecurityXml, from_xml), "");
  WindowsReadStats stats = read_windows_event_json(kSecurityJson, base(), from_json);
  EXPECT_EQ(stats.records, 1u);
  EXPECT_EQ(stats.errors, 0u) << stats.first_error;
  ASSERT_EQ(from_json.size(), 1u);
  auto json_fields = fields(from_json, 0);
  auto xml_fields = fields(from_xml, 0);
  // evtx_dump keeps microseconds only: the one difference.
  for (auto& f : xml_fields)
    if (std::get<0>(f) == "TimeCreated_SystemTime") std::get<2>(f) = "2025-10-25T13:04:38.5074920Z";
  EXPECT_EQ(json_fields, xml_fields);
  EXPECT_EQ(from_json[0].time, *parse_rfc3339("2025-10-25T13:04:38.507492Z"));
  EXPECT_EQ(from_json[0].raw, kSecurityJson);
  EXPECT_EQ(from_json[0].flags, 0u);
}

TEST(WindowsEventJson, ScalarsAsTheirXmlText) {
  EventBatch b;
  auto stats = read_windows_event_json(
      R"({"Event":{"System":{"EventID":{"#attributes":{"Qualifiers":16384},"#text":7036}},
          "EventData":{"Int":-5,"Big":18446744073709551615,"Real":0.5,"True":true,"False":false,"Null":null,
                       "Guid":"5770385F-C22A-43E0-BF4C-06F5698FFBD9","LowerGuid":"5770385f-c22a-43e0-bf4c-06f5698ffbd9",
                       "Hex":"0x001fffff"}}})",
      base(), b);
  ASSERT_EQ(stats.errors, 0u) << stats.first_error;
  EXPECT_EQ(fields(b, 0), (std::vector<Triple>{
                              {"EventID_Qualifiers", FieldType::Int64, "16384"},
                              {"EventID", FieldType::Int64, "7036"},
                              {"Int", FieldType::String, "-5"},
                              {"Big", FieldType::String, "18446744073709551615"},
                              {"Real", FieldType::String, "0.5"},
                              {"True", FieldType::String, "true"},
                              {"False", FieldType::String, "false"},
                              {"Null", FieldType::String, ""},
                              // evtx_dump's bare GUIDs get Windows' braces back; other
                              // spellings are strings of the event and stay as they are
                              {"Guid", FieldType::String, "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"},
                              {"LowerGuid", FieldType::String, "5770385f-c22a-43e0-bf4c-06f5698ffbd9"},
                              {"Hex", FieldType::String, "0x001fffff"},
                          }));
  EXPECT_EQ(b[0].flags, kFlagNoTimestamp);
}

TEST(WindowsEventJson, UnnamedDataUserDataAndSeparateAttributes) {
  EventBatch b;
  auto stats = read_windows_event_json(
      R"({"Event":{"System":{"Provider_attributes":{"Name":"P"},"EventID":1},
          "EventData":{"Data":{"#text":["a",7,""]},"Binary":"00FF"}}}
{"Event":{"System":{"EventID":2},"EventData":{"Data":"only"}}}
{"Event":{"System":{"EventID":3},"EventData":null,
          "UserData":{"EventXML":{"#attributes":{"xmlns":"x"},"Param":"p0","Param_1":"p1","Other_1":"o",
                      "Empty":null,"Attrs":{"#attributes":{"a":"b"}},"Data":{"#attributes":{"Name":"Named"},"#text":"v"}}}}})",
      base(), b);
  ASSERT_EQ(stats.records, 3u);
  ASSERT_EQ(stats.errors, 0u) << stats.first_error;
  EXPECT_EQ(fields(b, 0), (std::vector<Triple>{
                              {"Provider_Name", FieldType::String, "P"},
                              {"EventID", FieldType::Int64, "1"},
                              {"Data", FieldType::String, "a"},
                              {"Data", FieldType::String, "7"},
                              {"Data", FieldType::String, ""},
                              {"Binary", FieldType::String, "00FF"},
                          }));
  EXPECT_EQ(values(b, 1, "Data"), (std::vector<std::string>{"only"}));
  EXPECT_EQ(fields(b, 2), (std::vector<Triple>{
                              {"EventID", FieldType::Int64, "3"},
                              {"Param", FieldType::String, "p0"},
                              {"Param", FieldType::String, "p1"},       // evtx_dump's Param_1
                              {"Other_1", FieldType::String, "o"},      // no Other beside it
                              {"Empty", FieldType::String, ""},
                              {"Attrs", FieldType::String, ""},
                              {"Named", FieldType::String, "v"},
                          }));
}

TEST(WindowsEventJson, RecordsInEveryLayoutAndBadOnesKept) {
  EventBatch b;
  std::string text =
      "\xEF\xBB\xBFRecord 1\n{\"Event\":{\"System\":{\"EventID\":1}}}\nRecord 2\n"
      "[{\"Event\":{\"System\":{\"EventID\":2}}},\n {\"Event\":{\"System\":{\"EventID\":3}}}]\n"
      "garbage line\n"
      "{\"Event\": 5}\n"
      "{\"Event\":{\"System\":{\"EventID\":4}}, }\n"
      "{\"Event\":{\"System\":{\"EventID\":5}}}\n"
      "{\"Event\":{\"System\":";
  auto stats = read_windows_event_json(text, base(), b);
  ASSERT_EQ(b.size(), 8u);
  EXPECT_EQ(stats.records, 8u);
  EXPECT_EQ(stats.errors, 4u);
  EXPECT_EQ(stats.first_error, "record 4: not a JSON object");
  EXPECT_EQ(values(b, 0, "EventID"), (std::vector<std::string>{"1"}));
  EXPECT_EQ(values(b, 1, "EventID"), (std::vector<std::string>{"2"}));
  EXPECT_EQ(values(b, 2, "EventID"), (std::vector<std::string>{"3"}));
  EXPECT_EQ(b[3].raw, "garbage line");
  EXPECT_EQ(b[4].raw, "{\"Event\": 5}");
  EXPECT_EQ(b[4].parse_error, "record 5: not an evtx_dump record (no \"Event\" object)");
  EXPECT_EQ(b[5].raw, "{\"Event\":{\"System\":{\"EventID\":4}}, }");
  EXPECT_TRUE(b[5].parse_error.starts_with("record 6: invalid JSON")) << b[5].parse_error;
  EXPECT_EQ(values(b, 6, "EventID"), (std::vector<std::string>{"5"}));
  EXPECT_EQ(b[7].raw, "{\"Event\":{\"System\":");
  EXPECT_EQ(b[7].parse_error, "record 8: unterminated JSON object");
  for (size_t i : {3, 4, 5, 7}) {
    EXPECT_EQ(b[i].flags, kFlagParseError | kFlagNoTimestamp) << i;
    EXPECT_EQ(b[i].field_count, 0u) << i;
  }
}

TEST(Evtx, NotAnEvtxFileIsOneErrorAndNoEvent) {
  EventBatch b;
  auto stats = read_evtx_buffer("this is not an event log", base(), b);
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(stats.records, 0u);
  EXPECT_EQ(stats.errors, 1u);
  EXPECT_TRUE(stats.first_error.starts_with("not a readable EVTX file")) << stats.first_error;

  stats = read_evtx_file("/nonexistent/x.evtx", base(), b);
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(stats.errors, 1u);
  EXPECT_TRUE(stats.first_error.starts_with("/nonexistent/x.evtx: not a readable EVTX file")) << stats.first_error;
}

// ---- corpus: the Sigma regression data, each .evtx beside evtx_dump's .json ----

const fs::path kRegression = fs::path(VIGIL_CORPUS_DIR) / "sigma" / "regression_data";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<fs::path> evtx_files() {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(kRegression))
    if (entry.is_regular_file() && entry.path().extension() == ".evtx") out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

#define SKIP_WITHOUT_REGRESSION_DATA()                                                          \
  if (!fs::is_directory(kRegression))                                                           \
  GTEST_SKIP() << "../shared/corpus not found: Windows event corpus checks skipped (looked for " \
               << kRegression.string() << ")"

TEST(EvtxCorpus, FileAndBufferReadTheSame) {
  SKIP_WITHOUT_REGRESSION_DATA();
  auto files = evtx_files();
  ASSERT_FALSE(files.empty());
  size_t records = 0;
  for (const auto& path : files) {
    EventBatch a, b;
    auto sa = read_evtx_file(path.string(), base(), a);
    std::string bytes = slurp(path);
    auto sb = read_evtx_buffer(bytes, base(), b);
    ASSERT_EQ(sa.errors, 0u) << path << ": " << sa.first_error;
    ASSERT_EQ(sb.errors, 0u) << path << ": " << sb.first_error;
    ASSERT_EQ(a.size(), b.size()) << path;
    ASSERT_GT(a.size(), 0u) << path;
    EXPECT_EQ(a[0].source, path.string());  // the path unless the caller names a source
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].raw, b[i].raw);
      EXPECT_TRUE(a[i].raw.starts_with("<Event")) << path;
      EXPECT_EQ(fields(a, i), fields(b, i)) << path;
      EXPECT_EQ(a[i].flags, 0u) << path;
    }
    records += a.size();
  }
  std::printf("[          ] %zu EVTX files, %zu records\n", files.size(), records);
}

TEST(EvtxCorpus, RecoveredRecordsOnlyWhenAsked) {
  SKIP_WITHOUT_REGRESSION_DATA();
  size_t recovered = 0, bad = 0;
  for (const auto& path : evtx_files()) {
    EventBatch plain, all;
    auto sp = read_evtx_file(path.string(), base(), plain);
    auto sa = read_evtx_file(path.string(), base(), all, EvtxOptions{.recovered = true});
    ASSERT_EQ(sa.records, sp.records + sa.recovered) << path;
    ASSERT_EQ(all.size(), sa.records);
    static const FieldId kRecovered = field_id("EvtxRecovered");
    for (size_t i = 0; i < all.size(); ++i) {
      bool is_recovered = all.find(all[i], kRecovered) != nullptr;
      EXPECT_EQ(is_recovered, i >= plain.size()) << path;
      if (!is_recovered) {
        EXPECT_EQ(fields(all, i), fields(plain, i));
      }
      bad += (all[i].flags & kFlagParseError) != 0;
    }
    recovered += sa.recovered;
  }
  EXPECT_GT(recovered, 0u);  // the exported regression logs carry stale records in free space
  std::printf("[          ] %zu recovered records read, %zu of them not XML events\n", recovered, bad);
}

// (name, type, text) of every field of an event, as a multiset.
using FieldSet = std::multiset<Triple>;

FieldSet field_set(const EventBatch& b, size_t i) {
  auto f = fields(b, i);
  return FieldSet(f.begin(), f.end());
}

// The .evtx record as evtx_dump would have written it: what evtx_dump drops is dropped.
//  - Trailing white space of strings: evtx 0.8.5 trims it (omerbenamram/evtx#249);
//    Windows, libevtx and Sigma rules keep it (CommandLine|endswith: 'chcp  ').
//  - With `cut_time`, the last 100 ns digit of TimeCreated (evtx_dump prints
//    microseconds; one .json of the set was written by a tool that keeps all digits).
FieldSet as_evtx_dump_would(const FieldSet& evtx, bool cut_time, size_t& trimmed) {
  FieldSet out;
  for (Triple t : evtx) {
    std::string& text = std::get<2>(t);
    if (cut_time && std::get<0>(t) == "TimeCreated_SystemTime" && text.size() == 28) text[26] = '0';
    if (std::get<1>(t) == FieldType::String) {
      size_t keep = text.find_last_not_of(" \t\r\n");
      keep = keep == std::string::npos ? 0 : keep + 1;
      if (keep != text.size()) {
        text.resize(keep);
        ++trimmed;
      }
    }
    out.insert(std::move(t));
  }
  return out;
}

// Pairs whose data genuinely differ (the .json was not made from this .evtx as it is).
// Directory name -> the one field allowed to differ, and why.
const std::map<std::string, std::string> kKnownDifferences = {
    // The .evtx has "C:\Windows\Explorer.EXE", the .json "C:\Windows\Explorer.exe"
    // (and 9-digit times: not evtx_dump's output, or not of this file as it is).
    {"proc_creation_win_susp_right_to_left_override", "ParentCommandLine"},
};

TEST(EvtxCorpus, EvtxAndEvtxDumpJsonReadIntoTheSameFields) {
  SKIP_WITHOUT_REGRESSION_DATA();
  size_t pairs = 0, exact = 0, after_trim = 0, known = 0, records = 0, trimmed_values = 0;
  for (const auto& evtx_path : evtx_files()) {
    fs::path json_path = evtx_path;
    json_path.replace_extension(".json");
    if (!fs::exists(json_path)) continue;
    ++pairs;
    EventBatch from_evtx, from_json;
    auto se = read_evtx_file(evtx_path.string(), base(), from_evtx);
    auto sj = read_windows_event_json(slurp(json_path), base(), from_json);
    ASSERT_EQ(se.errors, 0u) << evtx_path << ": " << se.first_error;
    ASSERT_EQ(sj.errors, 0u) << json_path << ": " << sj.first_error;
    ASSERT_EQ(from_evtx.size(), from_json.size()) << evtx_path;
    records += from_evtx.size();

    std::string dir = evtx_path.parent_path().filename().string();
    auto allowed = kKnownDifferences.find(dir);
    bool same = true, same_after_trim = true;
    for (size_t i = 0; i < from_evtx.size(); ++i) {
      // Event time: the same instant, cut to the microsecond by evtx_dump.
      TimeNs evtx_time = from_evtx[i].time, json_time = from_json[i].time;
      bool cut_time = json_time != evtx_time;
      EXPECT_EQ(cut_time ? evtx_time / 1000 * 1000 : evtx_time, json_time) << evtx_path << " record " << i;
      EXPECT_EQ(from_evtx[i].flags, 0u);
      EXPECT_EQ(from_json[i].flags, 0u);
      FieldSet e = field_set(from_evtx, i), j = field_set(from_json, i);
      size_t trimmed = 0;
      FieldSet e_dump = as_evtx_dump_would(e, cut_time, trimmed);
      trimmed_values += trimmed;
      same = same && trimmed == 0;
      if (allowed != kKnownDifferences.end()) {
        auto drop = [&](FieldSet& s) { std::erase_if(s, [&](const Triple& t) { return std::get<0>(t) == allowed->second; }); };
        size_t before = e_dump.size();
        drop(e_dump);
        drop(j);
        ASSERT_EQ(before - e_dump.size(), 1u) << dir;
      }
      if (e_dump != j) same_after_trim = false;
      std::vector<Triple> only_evtx, only_json;
      std::set_difference(e_dump.begin(), e_dump.end(), j.begin(), j.end(), std::back_inserter(only_evtx));
      std::set_difference(j.begin(), j.end(), e_dump.begin(), e_dump.end(), std::back_inserter(only_json));
      for (const auto& t : only_evtx) ADD_FAILURE() << evtx_path << " record " << i << " only in .evtx: " << std::get<0>(t) << "=" << std::get<2>(t);
      for (const auto& t : only_json) ADD_FAILURE() << json_path << " record " << i << " only in .json: " << std::get<0>(t) << "=" << std::get<2>(t);
    }
    if (allowed != kKnownDifferences.end()) ++known;
    else if (same) ++exact;
    else if (same_after_trim) ++after_trim;
  }
  ASSERT_GT(pairs, 0u) << "no .evtx/.json pairs under " << kRegression;
  std::printf(
      "[          ] %zu pairs (%zu records): %zu agree exactly (times to evtx_dump's microsecond), %zu "
      "once evtx_dump's trimming of trailing spaces is applied too (%zu values), %zu known differences\n",
      pairs, records, exact, after_trim, trimmed_values, known);
  EXPECT_EQ(exact + after_trim + known, pairs);
}

}  // namespace
}  // namespace vigil
