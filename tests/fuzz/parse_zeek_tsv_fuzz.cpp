// Fuzz target for the Zeek TSV reader: any bytes, line by line, headers included (the
// first lines of the seeds are real Zeek headers, so records get columns to split on).
// A record must have exactly one value per set column, named and typed as the columns
// say; an error must say why and leave no values; container elements must split.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "parse/zeek_tsv.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

size_t touch(std::string_view s) {
  size_t sum = 0;
  for (char c : s) sum += static_cast<unsigned char>(c);
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  ZeekTsvReader reader;
  Arena scratch(4096);
  std::vector<ZeekValue> values;
  volatile size_t sink = 0;
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    std::string_view error;
    values.push_back(ZeekValue{});  // read() must clear what was there
    ZeekTsvReader::Line kind = reader.read(line, scratch, values, error);
    switch (kind) {
      case ZeekTsvReader::Line::Error:
        check(!error.empty());
        check(values.empty());
        sink = sink + touch(error);
        break;
      case ZeekTsvReader::Line::Record: {
        check(error.empty());
        check(!line.empty() && line[0] != '#');
        const auto& columns = reader.columns();
        check(values.size() <= columns.size());
        size_t c = 0;
        for (const ZeekValue& v : values) {
          // In column order; names may repeat, so a value is matched to its own column's bytes.
          while (c < columns.size() && columns[c].name.data() != v.name.data()) ++c;
          check(c < columns.size());
          check(v.type == columns[c].type);
          ++c;
          sink = sink + touch(v.text);
          if (is_zeek_container(v.type))
            for_each_zeek_element(v.text, reader.set_separator(), scratch,
                                  [&](std::string_view e) { sink = sink + touch(e); });
        }
        break;
      }
      case ZeekTsvReader::Line::Header:
        check(!line.empty() && line[0] == '#');
        check(values.empty());
        break;
      case ZeekTsvReader::Line::Blank:
        check(values.empty());
        break;
    }
  }
  sink = sink + touch(reader.path());
  return 0;
}
