// Windows records onto OCSF (normalize/windows_ocsf.h) and the Wazuh eventchannel
// reader (parse/windows_event_wazuh.h), on hand-written records whose values are
// checked against the input by reading it.
#include <gtest/gtest.h>

#include "first_event.h"
#include "normalize/windows_ocsf.h"
#include "parse/ndjson.h"
#include "parse/windows_event_json.h"
#include "parse/windows_event_wazuh.h"

namespace vigil {
namespace {

using testing::FirstEvent;

// One NDJSON line (OTRF's flat form), read and mapped.
FirstEvent flat(std::string_view line, int* class_uid = nullptr) {
  FirstEvent f;
  read_ndjson(line, {.receive_time = 1, .input = "test"}, f.batch);
  int c = add_windows_ocsf(f.batch);
  if (class_uid) *class_uid = c;
  return f;
}

TEST(WindowsOcsf, OtrfSecurityLogonIsAuthentication) {
  int c = 0;
  FirstEvent f = flat(
      R"({"EventID":4624,"Channel":"security","Hostname":"WKS1.corp","SourceName":"Microsoft-Windows-Security-Auditing",)"
      R"("SubjectUserSid":"S-1-5-18","SubjectUserName":"WKS1$","SubjectDomainName":"CORP","SubjectLogonId":"0x3e7",)"
      R"("TargetUserSid":"S-1-5-21-1-2-3-1104","TargetUserName":"alice","TargetDomainName":"CORP","TargetLogonId":"0x11f1a90",)"
      R"("LogonType":"10","IpAddress":"10.0.0.7","IpPort":"51234","WorkstationName":"-","LogonProcessName":"User32 ",)"
      R"("AuthenticationPackageName":"Negotiate","ProcessName":"C:\\Windows\\System32\\svchost.exe","ProcessId":"0x2b8"})",
      &c);
  EXPECT_EQ(c, 3002);
  EXPECT_EQ(f.i("class_uid"), 3002);
  EXPECT_EQ(f.i("category_uid"), 3);
  EXPECT_EQ(f.i("activity_id"), 1);
  EXPECT_EQ(f.i("type_uid"), 300201);
  EXPECT_EQ(f.i("status_id"), 1);
  EXPECT_EQ(f.s("metadata.product.name"), "Microsoft Windows");
  EXPECT_EQ(f.s("metadata.product.vendor_name"), "Microsoft");
  EXPECT_EQ(f.s("metadata.log_provider"), "Microsoft-Windows-Security-Auditing");
  EXPECT_EQ(f.s("metadata.event_code"), "4624");
  EXPECT_EQ(f.s("metadata.log_name"), "Security");  // OTRF's lower case, canonical
  EXPECT_EQ(f.s("device.hostname"), "WKS1.corp");
  EXPECT_EQ(f.i("device.os.type_id"), 100);
  EXPECT_EQ(f.s("user.name"), "alice");
  EXPECT_EQ(f.s("user.domain"), "CORP");
  EXPECT_EQ(f.s("user.uid"), "S-1-5-21-1-2-3-1104");
  EXPECT_EQ(f.s("actor.user.name"), "WKS1$");
  EXPECT_EQ(f.s("actor.user.uid"), "S-1-5-18");
  EXPECT_EQ(f.s("session.uid"), "0x11f1a90");
  EXPECT_EQ(f.i("logon_type_id"), 10);
  EXPECT_EQ(f.ip("src_endpoint.ip"), "10.0.0.7");
  EXPECT_EQ(f.i("src_endpoint.port"), 51234);
  EXPECT_FALSE(f.get("src_endpoint.hostname"));  // "-" is nothing
  EXPECT_EQ(f.s("logon_process.name"), "User32 ");  // exactly as Sigma's LogonProcessName
  EXPECT_EQ(f.s("auth_protocol"), "Negotiate");
  EXPECT_EQ(f.i("auth_protocol_id"), 99);
  EXPECT_EQ(f.s("actor.process.file.path"), "C:\\Windows\\System32\\svchost.exe");
  EXPECT_EQ(f.i("actor.process.pid"), 0x2b8);
  // The originals stay.
  EXPECT_EQ(f.s("TargetUserName"), "alice");
  EXPECT_EQ(f.s("Channel"), "security");
  EXPECT_EQ(f.i("EventID"), 4624);
}

TEST(WindowsOcsf, FailedLogonAndKerberos) {
  FirstEvent f = flat(R"({"EventID":4625,"Channel":"Security","Provider_Name":"Microsoft-Windows-Security-Auditing",)"
                      R"("TargetUserName":"bob","Status":"0xc000006d","SubStatus":"0xc000006a","IpAddress":"::1","LogonType":"3"})");
  EXPECT_EQ(f.i("class_uid"), 3002);
  EXPECT_EQ(f.i("status_id"), 2);
  EXPECT_EQ(f.s("status_code"), "0xc000006d");
  EXPECT_EQ(f.s("status_detail"), "0xc000006a");
  EXPECT_EQ(f.ip("src_endpoint.ip"), "::1");

  FirstEvent k = flat(R"({"EventID":4769,"Channel":"Security","Provider_Name":"x","TargetUserName":"svc@CORP",)"
                      R"("ServiceName":"MSSQLSvc","Status":"0x0","IpAddress":"::ffff:10.1.2.3"})");
  EXPECT_EQ(k.i("activity_id"), 4);  // Service Ticket Request
  EXPECT_EQ(k.i("status_id"), 1);
  EXPECT_EQ(k.i("auth_protocol_id"), 2);
  EXPECT_EQ(k.s("service.name"), "MSSQLSvc");
  EXPECT_EQ(k.ip("src_endpoint.ip"), "::ffff:10.1.2.3");  // prints as written: typed
}

TEST(WindowsOcsf, Security4688IsProcessLaunch) {
  FirstEvent f = flat(R"({"EventID":4688,"Channel":"Security","Provider_Name":"Microsoft-Windows-Security-Auditing",)"
                      R"("SubjectUserName":"alice","SubjectDomainName":"CORP","NewProcessId":"0x7d8",)"
                      R"("NewProcessName":"C:\\Windows\\System32\\cmd.exe","CommandLine":"cmd.exe /c whoami",)"
                      R"("ProcessId":"0x2b8","ParentProcessName":"C:\\Windows\\explorer.exe"})");
  EXPECT_EQ(f.i("class_uid"), 1007);
  EXPECT_EQ(f.i("activity_id"), 1);
  EXPECT_EQ(f.i("process.pid"), 0x7d8);
  EXPECT_EQ(f.s("process.file.path"), "C:\\Windows\\System32\\cmd.exe");
  EXPECT_EQ(f.s("process.name"), "cmd.exe");
  EXPECT_EQ(f.s("process.cmd_line"), "cmd.exe /c whoami");
  EXPECT_EQ(f.s("process.parent_process.file.path"), "C:\\Windows\\explorer.exe");
  EXPECT_EQ(f.i("process.parent_process.pid"), 0x2b8);
  EXPECT_EQ(f.s("actor.user.name"), "alice");
  EXPECT_FALSE(f.get("process.user.name"));  // Sigma's User is Sysmon's DOMAIN\user

  FirstEvent t = flat(R"({"EventID":4689,"Channel":"Security","Provider_Name":"p","ProcessName":"C:\\x\\a.exe",)"
                      R"("ProcessId":"0x10","Status":"0x1"})");
  EXPECT_EQ(t.i("activity_id"), 2);
  EXPECT_EQ(t.i("process.pid"), 16);
  EXPECT_EQ(t.i("process.exit_code"), 1);
}

TEST(WindowsOcsf, AccountAndGroupChanges) {
  const std::pair<int, int> account[] = {{4720, 1}, {4722, 2}, {4723, 3}, {4724, 4}, {4725, 5},
                                         {4726, 6}, {4738, 99}, {4740, 9}, {4767, 12}};
  for (auto [id, activity] : account) {
    FirstEvent f = flat(R"({"EventID":)" + std::to_string(id) +
                        R"(,"Channel":"Security","Provider_Name":"p","TargetUserName":"toby","TargetSid":"S-1-5-21-9"})");
    EXPECT_EQ(f.i("class_uid"), 3001) << id;
    EXPECT_EQ(f.i("activity_id"), activity) << id;
    EXPECT_EQ(f.s("user.name"), "toby") << id;
    EXPECT_EQ(f.s("user.uid"), "S-1-5-21-9") << id;
  }
  FirstEvent g = flat(R"({"EventID":4732,"Channel":"Security","Provider_Name":"p","TargetUserName":"Administrators",)"
                      R"("TargetSid":"S-1-5-32-544","MemberSid":"S-1-5-21-7","MemberName":"CN=eve,DC=corp"})");
  EXPECT_EQ(g.i("class_uid"), 3006);
  EXPECT_EQ(g.i("activity_id"), 3);
  EXPECT_EQ(g.s("group.name"), "Administrators");
  EXPECT_EQ(g.s("group.uid"), "S-1-5-32-544");
  EXPECT_EQ(g.s("user.uid"), "S-1-5-21-7");
  EXPECT_EQ(g.s("user.ldap_person.ldap_dn"), "CN=eve,DC=corp");
  // Sigma's TargetUserName (the group here) maps to user.name: left out.
  EXPECT_FALSE(g.get("user.name"));
  FirstEvent r = flat(R"({"EventID":4733,"Channel":"Security","Provider_Name":"p","TargetUserName":"g"})");
  EXPECT_EQ(r.i("activity_id"), 4);
}

TEST(WindowsOcsf, SysmonProcessCreateKeepsSigmaValues) {
  FirstEvent f = flat(R"({"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","SourceName":"Microsoft-Windows-Sysmon",)"
                      R"("Hostname":"dc1","Image":"C:\\Windows\\System32\\sppsvc.exe","ProcessId":"2008",)"
                      R"("ProcessGuid":"{b669e388-4a98-5ee0-1704-000000000300}","CommandLine":"sppsvc.exe",)"
                      R"("User":"NT AUTHORITY\\NETWORK SERVICE","IntegrityLevel":"System","LogonId":"0x3E4",)"
                      R"("ParentImage":"C:\\Windows\\System32\\services.exe","ParentProcessId":"696",)"
                      R"("OriginalFileName":"sppsvc.exe","Hashes":"SHA1=C89B"})");
  EXPECT_EQ(f.i("class_uid"), 1007);
  EXPECT_EQ(f.i("activity_id"), 1);
  EXPECT_EQ(f.s("metadata.product.name"), "Sysmon");
  EXPECT_EQ(f.s("metadata.log_provider"), "Microsoft-Windows-Sysmon");
  EXPECT_EQ(f.s("metadata.event_code"), "1");
  EXPECT_EQ(f.s("device.hostname"), "dc1");
  EXPECT_EQ(f.i("process.pid"), 2008);
  EXPECT_EQ(f.s("process.uid"), "{b669e388-4a98-5ee0-1704-000000000300}");
  EXPECT_EQ(f.s("process.name"), "sppsvc.exe");
  EXPECT_EQ(f.s("process.user.name"), "NT AUTHORITY\\NETWORK SERVICE");  // not split
  EXPECT_EQ(f.s("process.integrity"), "System");
  EXPECT_EQ(f.s("process.session.uid"), "0x3E4");
  EXPECT_EQ(f.s("process.file.internal_name"), "sppsvc.exe");
  EXPECT_EQ(f.s("process.parent_process.file.path"), "C:\\Windows\\System32\\services.exe");
  EXPECT_EQ(f.i("process.parent_process.pid"), 696);
  EXPECT_EQ(f.s("Hashes"), "SHA1=C89B");
  EXPECT_FALSE(f.get("actor.user.uid"));  // Sigma's Security_UserID maps there
}

TEST(WindowsOcsf, SysmonNetworkDnsFileRegistry) {
  const std::string sysmon = R"("Channel":"Microsoft-Windows-Sysmon/Operational","Provider_Name":"Microsoft-Windows-Sysmon",)";
  FirstEvent n = flat(R"({"EventID":3,)" + sysmon +
                      R"("Image":"C:\\a.exe","ProcessId":"5","User":"D\\u","Protocol":"tcp","SourceIp":"192.168.0.121",)"
                      R"("SourcePort":"50152","DestinationIp":"0:0:0:0:0:0:0:1","DestinationPort":"8080","DestinationHostname":"-"})");
  EXPECT_EQ(n.i("class_uid"), 4001);
  EXPECT_EQ(n.i("category_uid"), 4);
  EXPECT_EQ(n.ip("src_endpoint.ip"), "192.168.0.121");
  EXPECT_EQ(n.i("src_endpoint.port"), 50152);
  EXPECT_FALSE(n.get("dst_endpoint.ip"));  // uncompressed IPv6 text: Sigma reads DestinationIp
  EXPECT_EQ(n.i("dst_endpoint.port"), 8080);
  EXPECT_FALSE(n.get("dst_endpoint.hostname"));
  EXPECT_EQ(n.s("connection_info.protocol_name"), "tcp");
  EXPECT_EQ(n.s("actor.process.file.path"), "C:\\a.exe");
  EXPECT_EQ(n.i("actor.process.pid"), 5);
  EXPECT_EQ(n.s("actor.user.name"), "D\\u");

  FirstEvent d = flat(R"({"EventID":22,)" + sysmon + R"("QueryName":"evil.example","Image":"C:\\b.exe"})");
  EXPECT_EQ(d.i("class_uid"), 4003);
  EXPECT_EQ(d.s("query.hostname"), "evil.example");

  FirstEvent c = flat(R"({"EventID":11,)" + sysmon + R"("TargetFilename":"C:\\t\\x.ps1","Image":"C:\\b.exe"})");
  EXPECT_EQ(c.i("class_uid"), 1001);
  EXPECT_EQ(c.i("activity_id"), 1);
  EXPECT_EQ(c.s("file.path"), "C:\\t\\x.ps1");
  EXPECT_EQ(c.s("file.name"), "x.ps1");
  FirstEvent del = flat(R"({"EventID":23,)" + sysmon + R"("TargetFilename":"C:\\t\\x.ps1"})");
  EXPECT_EQ(del.i("activity_id"), 4);

  FirstEvent key = flat(R"({"EventID":12,)" + sysmon + R"("EventType":"CreateKey","TargetObject":"HKLM\\S\\Run"})");
  EXPECT_EQ(key.i("class_uid"), 201001);
  EXPECT_EQ(key.i("category_uid"), 1);
  EXPECT_EQ(key.i("activity_id"), 1);
  EXPECT_EQ(key.i("type_uid"), 20100101);
  EXPECT_EQ(key.s("reg_key.path"), "HKLM\\S\\Run");
  FirstEvent set = flat(R"({"EventID":13,)" + sysmon + R"("EventType":"SetValue","TargetObject":"HKLM\\S\\Run\\Upd"})");
  EXPECT_EQ(set.i("class_uid"), 201002);
  EXPECT_EQ(set.i("activity_id"), 2);
  EXPECT_EQ(set.s("reg_value.path"), "HKLM\\S\\Run\\Upd");
  EXPECT_FALSE(set.get("reg_key.path"));  // Sigma's TargetObject maps there for key events

  FirstEvent acc = flat(R"({"EventID":10,)" + sysmon +
                        R"("SourceImage":"C:\\m.exe","SourceProcessId":"9","TargetImage":"C:\\Windows\\system32\\lsass.exe","TargetProcessId":"700"})");
  EXPECT_EQ(acc.i("class_uid"), 1007);
  EXPECT_EQ(acc.i("activity_id"), 3);
  EXPECT_EQ(acc.s("actor.process.file.path"), "C:\\m.exe");
  EXPECT_EQ(acc.s("process.name"), "lsass.exe");
  EXPECT_EQ(acc.i("process.pid"), 700);
}

TEST(WindowsOcsf, OtherRecordsAreBaseEventsAndNonWindowsAreLeftAlone) {
  int c = -2;
  FirstEvent f = flat(R"({"EventID":4103,"Channel":"Microsoft-Windows-PowerShell/Operational","Level":2})", &c);
  EXPECT_EQ(c, 0);
  EXPECT_EQ(f.i("class_uid"), 0);
  EXPECT_EQ(f.i("activity_id"), 99);
  EXPECT_EQ(f.i("severity_id"), 4);  // Level 2 Error

  FirstEvent n = flat(R"({"msg":"hello","EventID":5})", &c);  // no channel, no provider
  EXPECT_EQ(c, -1);
  EXPECT_FALSE(n.get("class_uid"));
  FirstEvent o = flat(R"({"class_uid":3002,"EventID":4624,"Channel":"Security"})", &c);
  EXPECT_EQ(c, -1);  // already OCSF
}

TEST(WindowsOcsf, BatchCopyMapsEveryWindowsRecord) {
  EventBatch in;
  const char* text = R"({"Event":{"System":{"EventID":4625,"Channel":"Security","Computer":"h",)"
                     R"("Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing"}},)"
                     R"("TimeCreated":{"#attributes":{"SystemTime":"2024-01-02T03:04:05.123456Z"}}},)"
                     R"("EventData":{"TargetUserName":"x","IpAddress":"10.9.8.7"}}})";
  WindowsReadStats ws = read_windows_event_json(text, {.input = "t"}, in);
  ASSERT_EQ(ws.errors, 0u);
  EventBatch out;
  EXPECT_EQ(windows_to_ocsf(in, out), 1u);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].time, in[0].time);
  EXPECT_EQ(out[0].raw, in[0].raw);
  FirstEvent f{std::move(out)};
  EXPECT_EQ(f.i("class_uid"), 3002);
  EXPECT_EQ(f.i("status_id"), 2);
  EXPECT_EQ(f.ip("src_endpoint.ip"), "10.9.8.7");
  EXPECT_EQ(f.s("device.hostname"), "h");
  EXPECT_EQ(f.s("Computer"), "h");
}

TEST(WindowsEventWazuh, ReadsSigmaNamesThenMaps) {
  // A Sysmon 3 line as Wazuh's eventchannel writes it (eventdata escaped twice).
  const std::string line =
      R"({"win":{"eventdata":{"destinationPort":"8080","image":"C:\\\\Windows\\\\System32\\\\cmd.exe",)"
      R"("sourcePort":"50152","destinationIp":"192.168.0.4","protocol":"tcp","processId":"5888",)"
      R"("user":"EXCHANGETEST\\\\AtomicRed","sourceIp":"192.168.0.121","param1":"p"},)"
      R"("system":{"eventID":"3","channel":"Microsoft-Windows-Sysmon/Operational","level":"4",)"
      R"("message":"\"Network connection detected\"","systemTime":"2021-08-13T21:47:02.6323067Z",)"
      R"("eventRecordID":"346207","processID":"2668","computer":"hrmanager.ExchangeTest.com",)"
      R"("severityValue":"INFORMATION","providerName":"Microsoft-Windows-Sysmon"}}})";
  EXPECT_TRUE(looks_like_wazuh_windows(line));
  EXPECT_FALSE(looks_like_wazuh_windows(R"({"Event":{"win":1}})"));
  FirstEvent f;
  WindowsReadStats ws = read_windows_event_wazuh(line, {.input = "t"}, f.batch);
  EXPECT_EQ(ws.records, 1u);
  EXPECT_EQ(ws.errors, 0u);
  EXPECT_EQ(f.i("EventID"), 3);
  EXPECT_EQ(f.i("EventRecordID"), 346207);
  EXPECT_EQ(f.i("Execution_ProcessID"), 2668);
  EXPECT_EQ(f.s("Provider_Name"), "Microsoft-Windows-Sysmon");
  EXPECT_EQ(f.s("Computer"), "hrmanager.ExchangeTest.com");
  EXPECT_EQ(f.s("TimeCreated_SystemTime"), "2021-08-13T21:47:02.6323067Z");
  EXPECT_EQ(f.e().time, parse_rfc3339("2021-08-13T21:47:02.6323067Z").value());
  EXPECT_EQ(f.s("Image"), "C:\\Windows\\System32\\cmd.exe");
  EXPECT_EQ(f.s("User"), "EXCHANGETEST\\AtomicRed");
  EXPECT_EQ(f.s("param1"), "p");
  EXPECT_EQ(f.s("message"), "Network connection detected");
  EXPECT_EQ(f.s("unmapped.win.system.severityValue"), "INFORMATION");
  EXPECT_EQ(add_windows_ocsf(f.batch), 4001);
  EXPECT_EQ(f.ip("dst_endpoint.ip"), "192.168.0.4");
  EXPECT_EQ(f.s("actor.process.file.path"), "C:\\Windows\\System32\\cmd.exe");
}

TEST(WindowsEventWazuh, BadLinesAreKeptAndFlagged) {
  EventBatch b;
  WindowsReadStats ws = read_windows_event_wazuh("{\"win\":1}\n\n{\"win\":{\"system\":\n", {.input = "t"}, b);
  EXPECT_EQ(ws.records, 2u);
  EXPECT_EQ(ws.errors, 2u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_TRUE(b[0].flags & kFlagParseError);
  EXPECT_EQ(b[0].raw, "{\"win\":1}");
  EXPECT_NE(std::string(b[1].parse_error).find("invalid JSON"), std::string::npos);
  EXPECT_EQ(add_windows_ocsf(b), -1);
}

}  // namespace
}  // namespace vigil
