// Windows records onto OCSF (see windows_ocsf.h).
//
// One pass over the event's fields picks the ~100 Windows names this mapping reads
// into slots (a table indexed by FieldId, built once); their values are copied out
// first because adding fields may move the batch's field vector. Every string added
// is a view of a value already in the batch (zero copy), a substring of one
// (process.name), or a literal; only metadata.event_code of an integer EventID is
// new text.
#include "normalize/windows_ocsf.h"

#include <charconv>
#include <cstring>
#include <mutex>
#include <vector>

namespace vigil {
namespace {

#define VIGIL_WINDOWS_SLOTS(X)                                                                           \
  X(EventID) X(Channel) X(Computer) X(Hostname) X(Provider_Name) X(SourceName) X(Level) X(class_uid)  \
  X(metadata_log_name)                                                                                \
  X(SubjectUserSid) X(SubjectUserName) X(SubjectDomainName) X(SubjectLogonId) X(TargetUserSid)       \
  X(TargetUserName) X(TargetDomainName) X(TargetLogonId) X(TargetSid) X(LogonType) X(IpAddress)      \
  X(IpPort) X(WorkstationName) X(Workstation) X(Status) X(SubStatus) X(AuthenticationPackageName)    \
  X(LogonProcessName) X(ProcessName) X(ProcessId) X(NewProcessId) X(NewProcessName) X(CommandLine)   \
  X(ParentProcessName) X(MemberName) X(MemberSid) X(ServiceName) X(ServiceFileName) X(ServiceAccount) \
  X(ImagePath) X(AccountName) X(ObjectName) X(ObjectType) X(AccessList) X(ShareName)                 \
  X(ShareLocalPath) X(RelativeTargetName) X(TargetServerName)                                        \
  X(Image) X(ProcessGuid) X(CurrentDirectory) X(User) X(LogonGuid) X(LogonId) X(IntegrityLevel)      \
  X(OriginalFileName) X(Description) X(Product) X(Company) X(FileVersion) X(ParentImage)             \
  X(ParentProcessId) X(ParentProcessGuid) X(ParentCommandLine) X(ParentUser) X(TargetFilename)       \
  X(QueryName) X(SourceIp) X(SourcePort) X(SourceHostname) X(SourcePortName) X(DestinationIp)        \
  X(DestinationPort) X(DestinationHostname) X(DestinationPortName) X(Protocol) X(TargetObject)       \
  X(EventType) X(NewName) X(SourceImage) X(SourceProcessId) X(SourceProcessGuid) X(SourceProcessGUID) \
  X(SourceThreadId) X(SourceUser) X(TargetImage) X(TargetProcessId) X(TargetProcessGuid)             \
  X(TargetProcessGUID) X(TargetUser) X(ImageLoaded) X(StartModule) X(StartFunction) X(StartAddress)

enum Slot : uint8_t {
#define X(n) k##n,
  VIGIL_WINDOWS_SLOTS(X)
#undef X
  kSlots
};

constexpr std::string_view kSlotNames[] = {
#define X(n) #n,
    VIGIL_WINDOWS_SLOTS(X)
#undef X
};
static_assert(std::size(kSlotNames) == kSlots);
constexpr uint8_t kNoSlot = 0xff;

// FieldId -> slot, for the names above. Ids are small (interning order), so a vector.
struct SlotTable {
  std::vector<uint8_t> slot_of;
  SlotTable() {
    for (size_t s = 0; s < kSlots; ++s) {
      std::string_view name = s == kmetadata_log_name ? std::string_view("metadata.log_name") : kSlotNames[s];
      FieldId id = field_id(name);
      if (id == kNoField) continue;
      if (id >= slot_of.size()) slot_of.resize(id + 1, kNoSlot);
      slot_of[id] = static_cast<uint8_t>(s);
    }
  }
};

const SlotTable& slot_table() {
  static const SlotTable table;
  return table;
}

// The Windows values of one event, copied out of the batch.
struct Record {
  Value v[kSlots];
  bool has[kSlots] = {};

  // Text of a slot: strings as they are; "" when absent or not a string.
  std::string_view s(Slot k) const {
    return has[k] && v[k].type == FieldType::String ? v[k].as_string() : std::string_view();
  }
  // A value worth adding: present, not empty, not Windows' "-" for none.
  std::string_view text(Slot k) const {
    std::string_view t = s(k);
    return t == "-" ? std::string_view() : t;
  }
  // A decimal number from an int64 or its text.
  std::optional<int64_t> num(Slot k) const {
    if (!has[k]) return std::nullopt;
    if (v[k].type == FieldType::Int64) return v[k].i64;
    std::string_view t = s(k);
    int64_t n;
    auto r = std::from_chars(t.data(), t.data() + t.size(), n);
    if (t.empty() || r.ec != std::errc() || r.ptr != t.data() + t.size()) return std::nullopt;
    return n;
  }
  // "0x7d8" (Security's process ids) or decimal.
  std::optional<int64_t> hex_or_num(Slot k) const {
    std::string_view t = s(k);
    if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
      uint64_t n;
      auto r = std::from_chars(t.data() + 2, t.data() + t.size(), n, 16);
      if (r.ec != std::errc() || r.ptr != t.data() + t.size() || n > INT64_MAX) return std::nullopt;
      return static_cast<int64_t>(n);
    }
    return num(k);
  }
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  return true;
}

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

std::string_view basename(std::string_view path) {
  size_t slash = path.find_last_of("\\/");
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// Output names, interned once.
struct Out {
#define F(member, name) FieldId member = field_id(name);
  F(class_uid, "class_uid")
  F(category_uid, "category_uid")
  F(activity_id, "activity_id")
  F(type_uid, "type_uid")
  F(severity_id, "severity_id")
  F(status_id, "status_id")
  F(status_code, "status_code")
  F(status_detail, "status_detail")
  F(product_name, "metadata.product.name")
  F(vendor_name, "metadata.product.vendor_name")
  F(log_provider, "metadata.log_provider")
  F(event_code, "metadata.event_code")
  F(log_name, "metadata.log_name")
  F(device_hostname, "device.hostname")
  F(device_os_type_id, "device.os.type_id")
  F(user_name, "user.name")
  F(user_domain, "user.domain")
  F(user_uid, "user.uid")
  F(user_dn, "user.ldap_person.ldap_dn")
  F(session_uid, "session.uid")
  F(actor_user_name, "actor.user.name")
  F(actor_user_domain, "actor.user.domain")
  F(actor_user_uid, "actor.user.uid")
  F(actor_session_uid, "actor.session.uid")
  F(actor_process_path, "actor.process.file.path")
  F(actor_process_name, "actor.process.name")
  F(actor_process_pid, "actor.process.pid")
  F(actor_process_uid, "actor.process.uid")
  F(actor_process_tid, "actor.process.tid")
  F(logon_type_id, "logon_type_id")
  F(logon_process_name, "logon_process.name")
  F(auth_protocol, "auth_protocol")
  F(auth_protocol_id, "auth_protocol_id")
  F(src_ip, "src_endpoint.ip")
  F(src_port, "src_endpoint.port")
  F(src_hostname, "src_endpoint.hostname")
  F(src_svc_name, "src_endpoint.svc_name")
  F(dst_ip, "dst_endpoint.ip")
  F(dst_port, "dst_endpoint.port")
  F(dst_hostname, "dst_endpoint.hostname")
  F(dst_svc_name, "dst_endpoint.svc_name")
  F(protocol_name, "connection_info.protocol_name")
  F(service_name, "service.name")
  F(process_path, "process.file.path")
  F(process_name, "process.name")
  F(process_pid, "process.pid")
  F(process_uid, "process.uid")
  F(process_cmd_line, "process.cmd_line")
  F(process_cwd, "process.working_directory")
  F(process_user_name, "process.user.name")
  F(process_session_uid, "process.session.uid")
  F(process_session_uuid, "process.session.uuid")
  F(process_integrity, "process.integrity")
  F(process_internal_name, "process.file.internal_name")
  F(process_desc, "process.file.desc")
  F(process_product, "process.file.product.name")
  F(process_company, "process.file.company_name")
  F(process_version, "process.file.version")
  F(parent_path, "process.parent_process.file.path")
  F(parent_name, "process.parent_process.name")
  F(parent_pid, "process.parent_process.pid")
  F(parent_uid, "process.parent_process.uid")
  F(parent_cmd_line, "process.parent_process.cmd_line")
  F(parent_user_name, "process.parent_process.user.name")
  F(injection_type_id, "injection_type_id")
  F(module_path, "module.file.path")
  F(module_name, "module.file.name")
  F(module_function, "module.function_name")
  F(module_start_address, "module.start_address")
  F(module_internal_name, "module.file.internal_name")
  F(module_desc, "module.file.desc")
  F(module_product, "module.file.product.name")
  F(module_company, "module.file.company_name")
  F(module_version, "module.file.version")
  F(file_path, "file.path")
  F(file_name, "file.name")
  F(query_hostname, "query.hostname")
  F(reg_key_path, "reg_key.path")
  F(prev_reg_key_path, "prev_reg_key.path")
  F(reg_value_path, "reg_value.path")
  F(group_name, "group.name")
  F(group_domain, "group.domain")
  F(group_uid, "group.uid")
  F(win_service_name, "win_service.name")
  F(win_service_cmd_line, "win_service.cmd_line")
  F(win_service_start_name, "win_service.service_start_name")
  F(process_exit_code, "process.exit_code")
#undef F
};

const Out& out_ids() {
  static const Out ids;
  return ids;
}

// Adds to the open event; skips what a source left empty or "-".
class Adder {
 public:
  Adder(EventBatch& b, const Record& r) : b_(b), r_(r) {}

  void str(FieldId id, std::string_view t) {
    if (!t.empty() && t != "-") b_.add_string_ref(id, t);
  }
  void str(FieldId id, Slot k) { str(id, r_.text(k)); }
  void name_of(FieldId id, Slot k) { str(id, basename(r_.text(k))); }
  void num(FieldId id, Slot k) {
    if (auto n = r_.num(k)) b_.add_int(id, *n);
  }
  void pid(FieldId id, Slot k) {  // decimal (Sysmon) or hex (Security); 0 is no process
    if (auto n = r_.hex_or_num(k); n && *n != 0) b_.add_int(id, *n);
  }
  void port(FieldId id, Slot k) {
    if (auto n = r_.num(k); n && *n > 0 && *n <= 65535) b_.add_int(id, *n);
  }
  // Typed only when the text is the address's canonical form (see the header).
  void ip(FieldId id, Slot k) {
    std::string_view t = r_.text(k);
    if (t.empty()) return;
    auto a = IpAddress::parse(t);
    if (a && a->to_string() == t) b_.add_ip(id, *a);
  }
  void i(FieldId id, int64_t v) { b_.add_int(id, v); }

 private:
  EventBatch& b_;
  const Record& r_;
};

struct Class {
  int class_uid = 0;
  int activity_id = 99;
  int status_id = 0;  // 0: not said
};

int category_of(int class_uid) {
  if (class_uid >= 100000) return (class_uid % 100000) / 1000;  // extensions: 201001 -> 1
  return class_uid / 1000;
}

// Logon and ticket outcomes: Kerberos and NTLM give a status, "0x0" for success.
int status_from_code(std::string_view code) { return code.empty() ? 0 : (code == "0x0" || code == "0x00000000") ? 1 : 2; }

// A Security file-object access by its access list (%%1537 DELETE, %%4417 WriteData,
// %%4418 AppendData, %%4416 ReadData); 14 Open when none says more.
int file_activity(std::string_view access) {
  if (contains(access, "%%1537")) return 4;
  if (contains(access, "%%4417") || contains(access, "%%4418")) return 3;
  if (contains(access, "%%4416")) return 2;
  return 14;
}

void add_subject(Adder& a, const Out& o) {
  a.str(o.actor_user_name, kSubjectUserName);
  a.str(o.actor_user_domain, kSubjectDomainName);
  a.str(o.actor_user_uid, kSubjectUserSid);
  a.str(o.actor_session_uid, kSubjectLogonId);
}

void add_target_user(Adder& a, const Out& o, const Record& r) {
  a.str(o.user_name, kTargetUserName);
  a.str(o.user_domain, kTargetDomainName);
  a.str(o.user_uid, r.text(kTargetUserSid).empty() ? r.text(kTargetSid) : r.text(kTargetUserSid));
}

Class security(int id, const Record& r, Adder& a, const Out& o) {
  switch (id) {
    case 4624: case 4625: case 4634: case 4647: case 4648:
    case 4768: case 4769: case 4771: case 4776: {
      Class c{3002, 1, 1};
      if (id == 4634 || id == 4647) c.activity_id = 2;
      if (id == 4768) c.activity_id = 3;
      if (id == 4769) c.activity_id = 4;
      if (id == 4771) c.activity_id = 6;
      if (id == 4625 || id == 4771) c.status_id = 2;
      if (id >= 4768) {
        if (id != 4771) c.status_id = status_from_code(r.text(kStatus));
        a.i(o.auth_protocol_id, id == 4776 ? 1 : 2);
      }
      add_subject(a, o);
      add_target_user(a, o, r);
      a.str(o.session_uid, kTargetLogonId);
      a.num(o.logon_type_id, kLogonType);
      a.ip(o.src_ip, kIpAddress);
      a.port(o.src_port, kIpPort);
      a.str(o.src_hostname, r.text(kWorkstationName).empty() ? r.text(kWorkstation) : r.text(kWorkstationName));
      a.str(o.status_code, kStatus);
      a.str(o.status_detail, kSubStatus);
      std::string_view package = r.text(kAuthenticationPackageName);
      a.str(o.auth_protocol, package);
      if (!package.empty() && id < 4768)
        a.i(o.auth_protocol_id, iequals(package, "NTLM") ? 1 : iequals(package, "Kerberos") ? 2 : 99);
      a.str(o.logon_process_name, r.s(kLogonProcessName));
      a.str(o.actor_process_path, kProcessName);
      a.pid(o.actor_process_pid, kProcessId);
      if (id == 4769) a.str(o.service_name, kServiceName);
      if (id == 4648) a.str(o.dst_hostname, kTargetServerName);
      return c;
    }
    case 4688: case 4689: {
      add_subject(a, o);
      if (id == 4688) {
        a.str(o.process_path, kNewProcessName);
        a.name_of(o.process_name, kNewProcessName);
        a.pid(o.process_pid, kNewProcessId);
        a.str(o.process_cmd_line, kCommandLine);
        a.str(o.parent_path, kParentProcessName);
        a.name_of(o.parent_name, kParentProcessName);
        a.pid(o.parent_pid, kProcessId);
        return {1007, 1};
      }
      a.str(o.process_path, kProcessName);
      a.name_of(o.process_name, kProcessName);
      a.pid(o.process_pid, kProcessId);
      if (auto code = r.hex_or_num(kStatus)) a.i(o.process_exit_code, *code);
      return {1007, 2};
    }
    case 4720: case 4722: case 4723: case 4724: case 4725: case 4726: case 4738: case 4740: case 4767: {
      int activity = id == 4720 ? 1 : id == 4722 ? 2 : id == 4723 ? 3 : id == 4724 ? 4 : id == 4725 ? 5
                   : id == 4726 ? 6 : id == 4740 ? 9 : id == 4767 ? 12 : 99;
      add_subject(a, o);
      add_target_user(a, o, r);
      return {3001, activity, 1};
    }
    case 4728: case 4732: case 4756: case 4729: case 4733: case 4757: {
      add_subject(a, o);
      a.str(o.group_name, kTargetUserName);
      a.str(o.group_domain, kTargetDomainName);
      a.str(o.group_uid, kTargetSid);
      a.str(o.user_uid, kMemberSid);
      a.str(o.user_dn, kMemberName);
      return {3006, (id == 4728 || id == 4732 || id == 4756) ? 3 : 4, 1};
    }
    case 4656: case 4663: case 5145: {
      // Object access audits cover files, keys, SAM objects ...: files only.
      if (id != 5145 && !iequals(r.text(kObjectType), "File")) return {};
      add_subject(a, o);
      a.str(o.actor_process_path, kProcessName);
      a.pid(o.actor_process_pid, kProcessId);
      if (id == 5145) {
        a.str(o.file_name, kRelativeTargetName);
        a.ip(o.src_ip, kIpAddress);
        a.port(o.src_port, kIpPort);
      } else {
        a.str(o.file_path, kObjectName);
        a.name_of(o.file_name, kObjectName);
      }
      return {1001, id == 4656 ? 14 : file_activity(r.s(kAccessList))};
    }
    case 4660:
      // An object deleted; the record does not say its type (most audited are files).
      add_subject(a, o);
      a.str(o.actor_process_path, kProcessName);
      a.pid(o.actor_process_pid, kProcessId);
      return {1001, 4};
    case 1102:
      add_subject(a, o);  // UserData's SubjectUserName ... (read by their own names)
      return {1008, 1};
    case 4697:
      add_subject(a, o);
      a.str(o.win_service_name, kServiceName);
      a.str(o.win_service_cmd_line, kServiceFileName);
      a.str(o.win_service_start_name, kServiceAccount);
      return {201004, 1};
  }
  return {};
}

Class sysmon(int id, const Record& r, Adder& a, const Out& o) {
  auto actor = [&] {
    a.str(o.actor_process_path, kImage);
    a.name_of(o.actor_process_name, kImage);
    a.pid(o.actor_process_pid, kProcessId);
    a.str(o.actor_process_uid, kProcessGuid);
    a.str(o.actor_user_name, kUser);
  };
  switch (id) {
    case 1:
      a.str(o.process_path, kImage);
      a.name_of(o.process_name, kImage);
      a.pid(o.process_pid, kProcessId);
      a.str(o.process_uid, kProcessGuid);
      a.str(o.process_cmd_line, kCommandLine);
      a.str(o.process_cwd, kCurrentDirectory);
      a.str(o.process_user_name, kUser);
      a.str(o.process_session_uid, kLogonId);
      a.str(o.process_session_uuid, kLogonGuid);
      a.str(o.process_integrity, kIntegrityLevel);
      a.str(o.process_internal_name, kOriginalFileName);
      a.str(o.process_desc, kDescription);
      a.str(o.process_product, kProduct);
      a.str(o.process_company, kCompany);
      a.str(o.process_version, kFileVersion);
      a.str(o.parent_path, kParentImage);
      a.name_of(o.parent_name, kParentImage);
      a.pid(o.parent_pid, kParentProcessId);
      a.str(o.parent_uid, kParentProcessGuid);
      a.str(o.parent_cmd_line, kParentCommandLine);
      a.str(o.parent_user_name, kParentUser);
      return {1007, 1};
    case 5:
      a.str(o.process_path, kImage);
      a.name_of(o.process_name, kImage);
      a.pid(o.process_pid, kProcessId);
      a.str(o.process_uid, kProcessGuid);
      a.str(o.process_user_name, kUser);
      return {1007, 2};
    case 8: case 10: {
      a.str(o.actor_process_path, kSourceImage);
      a.name_of(o.actor_process_name, kSourceImage);
      a.pid(o.actor_process_pid, kSourceProcessId);
      a.str(o.actor_process_uid, r.text(kSourceProcessGuid).empty() ? r.text(kSourceProcessGUID) : r.text(kSourceProcessGuid));
      a.num(o.actor_process_tid, kSourceThreadId);
      a.str(o.actor_user_name, kSourceUser);
      a.str(o.process_path, kTargetImage);
      a.name_of(o.process_name, kTargetImage);
      a.pid(o.process_pid, kTargetProcessId);
      a.str(o.process_uid, r.text(kTargetProcessGuid).empty() ? r.text(kTargetProcessGUID) : r.text(kTargetProcessGuid));
      a.str(o.process_user_name, kTargetUser);
      if (id == 10) return {1007, 3};
      a.i(o.injection_type_id, 1);  // Remote Thread
      a.str(o.module_path, kStartModule);
      a.str(o.module_function, kStartFunction);
      a.str(o.module_start_address, kStartAddress);
      return {1007, 4};
    }
    case 3:
      actor();
      a.ip(o.src_ip, kSourceIp);
      a.port(o.src_port, kSourcePort);
      a.str(o.src_hostname, kSourceHostname);
      a.str(o.src_svc_name, kSourcePortName);
      a.ip(o.dst_ip, kDestinationIp);
      a.port(o.dst_port, kDestinationPort);
      a.str(o.dst_hostname, kDestinationHostname);
      a.str(o.dst_svc_name, kDestinationPortName);
      a.str(o.protocol_name, kProtocol);
      return {4001, 1};
    case 7:
      actor();
      a.str(o.module_path, kImageLoaded);
      a.name_of(o.module_name, kImageLoaded);
      a.str(o.module_internal_name, kOriginalFileName);
      a.str(o.module_desc, kDescription);
      a.str(o.module_product, kProduct);
      a.str(o.module_company, kCompany);
      a.str(o.module_version, kFileVersion);
      return {1005, 1};
    case 11: case 23: case 26:
      actor();
      a.str(o.file_path, kTargetFilename);
      a.name_of(o.file_name, kTargetFilename);
      return {1001, id == 11 ? 1 : 4};
    case 22:
      actor();
      a.str(o.query_hostname, kQueryName);
      return {4003, 1};
    case 12: case 13: case 14: {
      actor();
      std::string_view type = r.text(kEventType);
      if (id == 13) {  // SetValue: TargetObject is key\value
        a.str(o.reg_value_path, kTargetObject);
        return {201002, 2};
      }
      if (id == 14) {
        // RenameKey: TargetObject the old name, NewName the new. reg_key.path is left
        // out: Sigma's registry_event reads TargetObject there (see the header).
        a.str(o.prev_reg_key_path, kTargetObject);
        return {201001, 5};
      }
      if (iequals(type, "CreateKey")) {
        a.str(o.reg_key_path, kTargetObject);
        return {201001, 1};
      }
      if (iequals(type, "DeleteKey")) {
        a.str(o.reg_key_path, kTargetObject);
        return {201001, 4};
      }
      a.str(o.reg_value_path, kTargetObject);
      return {201002, iequals(type, "DeleteValue") ? 4 : 99};  // CreateValue: no such activity
    }
  }
  return {};
}

Class system_channel(int id, Adder& a, const Out& o) {
  if (id == 7045) {
    a.str(o.win_service_name, kServiceName);
    a.str(o.win_service_cmd_line, kImagePath);
    a.str(o.win_service_start_name, kAccountName);
    return {201004, 1};
  }
  if (id == 104) {
    add_subject(a, o);  // UserData's SubjectUserName ...
    return {1008, 1};
  }
  return {};
}

// Windows' Level: 1 Critical, 2 Error, 3 Warning; else informational.
int severity_of(const Record& r) {
  auto level = r.num(kLevel);
  if (!level) return 1;
  switch (*level) {
    case 1: return 5;
    case 2: return 4;
    case 3: return 3;
    default: return 1;
  }
}

}  // namespace

int add_windows_ocsf(EventBatch& batch) {
  if (batch.empty()) return -1;
  const SlotTable& table = slot_table();
  Record r;
  for (const Field& f : batch.last_event_fields()) {
    if (f.id >= table.slot_of.size()) continue;
    uint8_t s = table.slot_of[f.id];
    if (s == kNoSlot || r.has[s]) continue;  // the first value of a repeated name
    r.v[s] = f.value;
    r.has[s] = true;
  }
  auto event_id = r.num(kEventID);
  std::string_view channel = r.s(kChannel);
  std::string_view provider = r.s(kProvider_Name).empty() ? r.s(kSourceName) : r.s(kProvider_Name);
  if (!event_id || *event_id < 0 || *event_id > 65535 || r.has[kclass_uid] || (channel.empty() && provider.empty()))
    return -1;

  batch.reopen_last_event();
  const Out& o = out_ids();
  Adder a(batch, r);
  const bool is_sysmon = provider == "Microsoft-Windows-Sysmon" || channel == "Microsoft-Windows-Sysmon/Operational";
  // OTRF writes some channels in lower case.
  std::string_view log_name = channel;
  if (iequals(channel, "Security")) log_name = "Security";
  if (iequals(channel, "System")) log_name = "System";
  if (iequals(channel, "Application")) log_name = "Application";

  Class c;
  const int id = static_cast<int>(*event_id);
  if (is_sysmon) {
    c = sysmon(id, r, a, o);
  } else if (log_name == "Security") {
    c = security(id, r, a, o);
  } else if (log_name == "System") {
    c = system_channel(id, a, o);
  }

  a.i(o.class_uid, c.class_uid);
  a.i(o.category_uid, category_of(c.class_uid));
  a.i(o.activity_id, c.activity_id);
  a.i(o.type_uid, int64_t{c.class_uid} * 100 + c.activity_id);
  a.i(o.severity_id, severity_of(r));
  if (c.status_id) a.i(o.status_id, c.status_id);
  a.str(o.product_name, is_sysmon ? "Sysmon" : "Microsoft Windows");
  a.str(o.vendor_name, "Microsoft");
  a.str(o.log_provider, provider);
  if (r.has[kEventID] && r.v[kEventID].type == FieldType::String) {
    a.str(o.event_code, r.s(kEventID));
  } else {
    char buf[24];
    auto end = std::to_chars(buf, buf + sizeof buf, *event_id).ptr;
    batch.add_string(o.event_code, std::string_view(buf, static_cast<size_t>(end - buf)));
  }
  if (!r.has[kmetadata_log_name]) a.str(o.log_name, log_name);
  a.str(o.device_hostname, r.text(kComputer).empty() ? r.text(kHostname) : r.text(kComputer));
  a.i(o.device_os_type_id, 100);
  batch.end_event();
  return c.class_uid;
}

bool is_windows_record(const EventBatch& batch, const Event& e) {
  static const FieldId event_id = field_id("EventID"), channel = field_id("Channel"),
                       provider = field_id("Provider_Name"), source = field_id("SourceName"),
                       class_uid = field_id("class_uid");
  return batch.find(e, event_id) && !batch.find(e, class_uid) &&
         (batch.find(e, channel) || batch.find(e, provider) || batch.find(e, source));
}

size_t windows_to_ocsf(const EventBatch& in, EventBatch& out) {
  size_t mapped = 0;
  for (const Event& e : in.events()) {
    copy_event(in, e, out);
    if (add_windows_ocsf(out) >= 0) ++mapped;
  }
  return mapped;
}

}  // namespace vigil
