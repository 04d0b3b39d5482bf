// Text extractors of src/parse, one core: key=value (FortiGate), CEF (F5 ASM), LEEF
// (Panda) and CSV (PAN-OS). The goal of the pipeline is 500,000 firewall lines/s per
// core, so one extractor should cost well under 0.5 us on a ~400-byte line. Input:
// built-in lines shaped like the vendors' (always) or the Wazuh ruleset test lines when
// ../shared/corpus is present (Arg 1).
//   cmake --preset release && cmake --build build/release --target extract_bench
//   build/release/bench/extract_bench
// Results: bench/RESULTS.md.
#include <benchmark/benchmark.h>

#include <fstream>
#include <string>
#include <vector>

#include "parse/cef.h"
#include "parse/csv_line.h"
#include "parse/kv.h"
#include "parse/leef.h"

namespace vigil {
namespace {

// 'log N pass = ' payloads of a Wazuh ruleset test file from `marker` on (empty without the corpus).
std::vector<std::string> wazuh(const char* file, const char* marker) {
  std::vector<std::string> out;
  std::ifstream in(std::string(VIGIL_CORPUS_DIR) + "/wazuh-ruleset-tests/" + file);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("log ")) continue;
    std::string payload = line.substr(line.find(" = ") + 3);
    // A marker of "," asks for a CSV record: after the syslog header, if any.
    size_t at = *marker == ',' ? payload.rfind(' ', payload.find(',')) + 1 : payload.find(marker);
    if (at != std::string::npos) out.push_back(payload.substr(at));
  }
  return out;
}

const std::vector<std::string>& lines(int corpus, const char* file, const char* marker, const char* builtin) {
  static std::vector<std::string> cache[2][4];
  static const char* files[4] = {"fortigate.ini", "f5_big_ip.ini", "panda_paps.ini", "paloalto.ini"};
  int slot = 0;
  while (std::string(files[slot]) != file) ++slot;
  std::vector<std::string>& v = cache[corpus][slot];
  if (v.empty()) v = corpus ? wazuh(file, marker) : std::vector<std::string>{builtin};
  return v;
}

constexpr const char* kFortiGate =
    "date=2016-06-16 time=10:19:23 devname=Device_Name devid=FGT60D4614044725 logid=0000000013 type=traffic "
    "subtype=forward level=notice vd=root srcip=7.3.8.5 srcport=57727 srcintf=\"internal1\" dstip=7.8.9.81 "
    "dstport=80 dstintf=\"wan1\" poluuid=d6217c58-8c42-51e5-c3a6-c7766895cbfd sessionid=181876 proto=6 "
    "action=deny policyid=8 dstcountry=\"Reserved\" srccountry=\"Reserved\" trandisp=snat transip=160.242.8.82 "
    "transport=57727 service=\"HTTP\" appid=107347980 app=\"Proxy.HTTP\" appcat=\"Proxy\" apprisk=critical";
constexpr const char* kCef =
    "CEF:0|F5|ASM|14.1.2|200002273|SQL-INJ exec()|5|dvchost=lb1.example dvc=192.168.10.4 "
    "cs1=/Common/waf-policy cs1Label=policy_name act=blocked cn1=0 cn1Label=response_code src=167.71.70.165 "
    "spt=13370 dst=10.50.72.35 dpt=443 requestMethod=GET app=HTTPS rt=May 05 2021 01:34:00 cs4=SQL-Injection "
    "cs4Label=attack_type request=/solr/select?q\\=1&wt\\=velocity msg=N/A suser=N/A";
constexpr const char* kLeef =
    "LEEF:1.0|Panda Security|paps|02.47.00.0000|registrym|sev=1\tdevTime=2019-05-09 22:03:58.692466\t"
    "usrName=SYSTEM\tdomain=NT AUTHORITY\tsrc=192.168.0.8\tidentHostName=13_2595_43\tOp=ModifyExeKey\t"
    "Hash=E60A27AAEB184AABD9C92C513B27F98A\tDriveType=Fixed\tValidSig=true\tCat=Goodware\tMWName=";
constexpr const char* kCsv =
    "1,2021/07/15 11:58:58,1321564321,TRAFFIC,end,0,2021/07/15 11:59:02,10.210.0.84,51.11.168.232,,,DENY-ALL,,,"
    "not-applicable,vsys1,INSPECTION,INSPECTION,ethernet1/1,,AWS-PANORAMA,2021/07/15 11:59:02,0,1,500,500,0,0,"
    "0x0,udp,deny,0,0,0,1,2021/07/15 11:59:02,0,any,0,91501273,0x8000000000000000,10.0.0.0-10.255.255.255,"
    "\"United States\",0,1,0,policy-deny,150,42,25,260,,P1A-GWLB-CORE-FW01,from-policy";

template <typename Fn>
void run(benchmark::State& state, const std::vector<std::string>& input, Fn fn) {
  if (input.empty()) {
    state.SkipWithError("corpus not found");
    return;
  }
  Arena arena;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    // Unescaped values accumulate in the arena: start a fresh one now and then, as the
    // pipeline does per batch.
    if ((i & 255) == 255) arena = Arena();
    const std::string& line = input[i++ % input.size()];
    bytes += line.size();
    fn(line, arena);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_SplitKvFortiGate(benchmark::State& state) {
  std::vector<TextPair> pairs;
  run(state, lines(static_cast<int>(state.range(0)), "fortigate.ini", "date=", kFortiGate),
      [&](const std::string& line, Arena& arena) {
        pairs.clear();
        benchmark::DoNotOptimize(split_kv(line, {}, arena, pairs));
      });
}
BENCHMARK(BM_SplitKvFortiGate)->Arg(0)->Arg(1);

void BM_ParseCefF5(benchmark::State& state) {
  CefRecord record;
  run(state, lines(static_cast<int>(state.range(0)), "f5_big_ip.ini", "CEF:", kCef),
      [&](const std::string& line, Arena& arena) { benchmark::DoNotOptimize(parse_cef(line, arena, record)); });
}
BENCHMARK(BM_ParseCefF5)->Arg(0)->Arg(1);

void BM_ParseLeefPanda(benchmark::State& state) {
  LeefRecord record;
  run(state, lines(static_cast<int>(state.range(0)), "panda_paps.ini", "LEEF:", kLeef),
      [&](const std::string& line, Arena& arena) { benchmark::DoNotOptimize(parse_leef(line, arena, record)); });
}
BENCHMARK(BM_ParseLeefPanda)->Arg(0)->Arg(1);

void BM_SplitCsvPanOs(benchmark::State& state) {
  std::vector<std::string_view> fields;
  run(state, lines(static_cast<int>(state.range(0)), "paloalto.ini", ",", kCsv),
      [&](const std::string& line, Arena& arena) {
        fields.clear();
        benchmark::DoNotOptimize(split_csv(line, ',', arena, fields));
      });
}
BENCHMARK(BM_SplitCsvPanOs)->Arg(0)->Arg(1);

}  // namespace
}  // namespace vigil

BENCHMARK_MAIN();
