// Windows event XML reader (see windows_event_xml.h).
//
// The XML is first read into a flat tree (elements, attributes, byte ranges of their
// content) held in per-thread vectors that are reused, so a record allocates nothing
// once they have grown; all checks happen there, so a bad record adds no field. The
// tree is then walked into fields:
// - System: each child's attributes (<Element>_<Attr>) and text.
// - EventData and UserData: each element with no child elements is a value named by
//   its Name attribute when it is a <Data Name="..">, by its own name otherwise
//   (unnamed Data: "Data"); an element with children adds its own non-blank text under
//   its name, then its children the same way.
// - A leaf's text is all of its content, spaces included (Sysmon's command lines end
//   in spaces that rules match); entities and CDATA are decoded, comments dropped.
//   Text that needs no decoding is passed as a slice of the input.
// Lenient where it costs nothing: '&' not starting a known entity is kept as text,
// prefixed names are kept whole (matched by their local part), '<' in an attribute
// value is accepted.
#include "parse/windows_event_xml.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace vigil {
namespace {

constexpr uint32_t kNone = UINT32_MAX;
constexpr size_t kMaxDepth = 64;  // events nest 4-6 deep

struct Attr {
  std::string_view name;
  std::string_view value;  // as written: entities not decoded
};

struct Node {
  std::string_view name;
  uint32_t first_attr = 0, attr_count = 0;
  uint32_t first_child = kNone, last_child = kNone, next = kNone;
  size_t begin = 0, end = 0;                  // the element, tags included
  size_t content_begin = 0, content_end = 0;  // between its tags
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_blank(std::string_view s) {
  for (char c : s)
    if (!is_space(c)) return false;
  return true;
}

bool ends_name(char c) {
  return is_space(c) || c == '>' || c == '/' || c == '=' || c == '<' || c == '"' || c == '\'';
}

std::string_view local_name(std::string_view name) {
  size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The code point of a character reference's digits ("#60", "#x3C"); 0 when invalid.
uint32_t char_ref(std::string_view ref) {
  if (ref.size() < 2 || ref[0] != '#') return 0;
  bool hex = ref[1] == 'x' || ref[1] == 'X';
  size_t i = hex ? 2 : 1;
  if (i == ref.size()) return 0;
  uint32_t cp = 0;
  for (; i < ref.size(); ++i) {
    char c = ref[i];
    uint32_t d;
    if (c >= '0' && c <= '9') d = static_cast<uint32_t>(c - '0');
    else if (hex && c >= 'a' && c <= 'f') d = static_cast<uint32_t>(c - 'a' + 10);
    else if (hex && c >= 'A' && c <= 'F') d = static_cast<uint32_t>(c - 'A' + 10);
    else return 0;
    cp = cp * (hex ? 16 : 10) + d;
    if (cp > 0x10FFFF) return 0;
  }
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
  return cp;
}

// Appends `s` (text or attribute value) to `out` with entities, character references
// and CDATA decoded and comments and processing instructions dropped.
void append_decoded(std::string_view s, std::string& out) {
  size_t k = 0;
  while (k < s.size()) {
    size_t special = s.find_first_of("&<", k);
    if (special == std::string_view::npos) special = s.size();
    out.append(s.data() + k, special - k);
    k = special;
    if (k == s.size()) break;
    std::string_view rest = s.substr(k);
    if (s[k] == '&') {
      size_t semi = rest.find(';');
      if (semi != std::string_view::npos && semi <= 12) {
        std::string_view ent = rest.substr(1, semi - 1);
        char c = ent == "amp" ? '&' : ent == "lt" ? '<' : ent == "gt" ? '>' : ent == "quot" ? '"' : ent == "apos" ? '\'' : 0;
        if (c != 0) {
          out += c;
          k += semi + 1;
          continue;
        }
        if (uint32_t cp = char_ref(ent)) {
          append_utf8(cp, out);
          k += semi + 1;
          continue;
        }
      }
      out += '&';  // not an entity: literal
      ++k;
      continue;
    }
    // '<': only CDATA, comments and processing instructions can start inside text.
    if (rest.starts_with("<![CDATA[")) {
      size_t close = rest.find("]]>", 9);
      size_t stop = close == std::string_view::npos ? rest.size() : close;
      out.append(rest.data() + 9, stop - 9);
      k += close == std::string_view::npos ? rest.size() : close + 3;
    } else if (rest.starts_with("<!--") || rest.starts_with("<?")) {
      size_t close = rest.find(rest[1] == '!' ? "-->" : "?>");
      k += close == std::string_view::npos ? rest.size() : close + (rest[1] == '!' ? 3 : 2);
    } else {
      out += '<';
      ++k;
    }
  }
}

class XmlEventReader {
 public:
  const char* read(std::string_view xml, WindowsRendering rendering, EventBatch& out) {
    xml_ = xml;
    if (const char* why = build()) return why;
    const Node& root = nodes_[0];
    if (local_name(root.name) != "Event") return "the root element is not <Event>";

    WindowsEventWriter writer(out, rendering);
    for (uint32_t c = root.first_child; c != kNone; c = nodes_[c].next) {
      std::string_view part = local_name(nodes_[c].name);
      if (part == "System") {
        for (uint32_t s = nodes_[c].first_child; s != kNone; s = nodes_[s].next) {
          const Node& n = nodes_[s];
          for (uint32_t a = n.first_attr; a < n.first_attr + n.attr_count; ++a)
            writer.system_attribute(n.name, attrs_[a].name, decode(attrs_[a].value, value_));
          writer.system_text(n.name, text(n));
        }
      } else if (part == "EventData" || part == "UserData") {
        for (uint32_t d = nodes_[c].first_child; d != kNone; d = nodes_[d].next) add_value(writer, d);
      }
    }
    writer.finish();
    return nullptr;
  }

 private:
  // Reads xml_ into nodes_ and attrs_ (nodes_[0] is the root); nullptr or why not.
  const char* build() {
    nodes_.clear();
    attrs_.clear();
    stack_.clear();
    std::string_view x = xml_;
    size_t n = x.size(), i = 0;
    bool root_done = false;
    while (i < n) {
      if (x[i] != '<') {
        size_t lt = x.find('<', i);
        if (lt == std::string_view::npos) lt = n;
        if (stack_.empty() && !is_blank(x.substr(i, lt - i))) return "text outside the root element";
        i = lt;
        continue;
      }
      std::string_view rest = x.substr(i);
      if (rest.starts_with("<!--") || rest.starts_with("<?") || rest.starts_with("<![CDATA[")) {
        bool cdata = rest[2] == '[';
        if (cdata && stack_.empty()) return "CDATA outside the root element";
        std::string_view close = rest[1] == '?' ? "?>" : cdata ? "]]>" : "-->";
        size_t e = rest.find(close, 2);
        if (e == std::string_view::npos) return "unterminated comment, CDATA or processing instruction";
        i += e + close.size();
        continue;
      }
      if (rest.starts_with("<!")) {  // <!DOCTYPE ...>: only before the root, skipped
        if (!stack_.empty() || !nodes_.empty()) return "markup declaration inside the document";
        size_t e = rest.find('>');
        if (e == std::string_view::npos) return "unexpected end of XML in a declaration";
        i += e + 1;
        continue;
      }
      if (rest.size() > 1 && rest[1] == '/') {
        size_t j = i + 2;
        while (j < n && !ends_name(x[j])) ++j;
        std::string_view name = x.substr(i + 2, j - i - 2);
        while (j < n && is_space(x[j])) ++j;
        if (j >= n || x[j] != '>') return "malformed end tag";
        if (stack_.empty()) return "end tag without a start tag";
        Node& top = nodes_[stack_.back()];
        if (top.name != name) return "end tag does not match the open element";
        top.content_end = i;
        top.end = j + 1;
        stack_.pop_back();
        if (stack_.empty()) root_done = true;
        i = j + 1;
        continue;
      }
      // A start tag.
      if (root_done) return "a second root element";
      if (stack_.size() >= kMaxDepth) return "elements nested too deep";
      size_t j = i + 1;
      while (j < n && !ends_name(x[j])) ++j;
      Node node;
      node.name = x.substr(i + 1, j - i - 1);
      if (node.name.empty()) return "an element without a name";
      node.begin = i;
      node.first_attr = static_cast<uint32_t>(attrs_.size());
      bool empty_element = false;
      for (;;) {
        while (j < n && is_space(x[j])) ++j;
        if (j >= n) return "unexpected end of XML in a tag";
        if (x[j] == '>') {
          ++j;
          break;
        }
        if (x[j] == '/') {
          if (j + 1 >= n || x[j + 1] != '>') return "malformed tag ('/' not followed by '>')";
          j += 2;
          empty_element = true;
          break;
        }
        size_t name_begin = j;
        while (j < n && !ends_name(x[j])) ++j;
        if (j == name_begin) return "malformed attribute";
        std::string_view attr_name = x.substr(name_begin, j - name_begin);
        while (j < n && is_space(x[j])) ++j;
        if (j >= n || x[j] != '=') return "attribute without a value";
        ++j;
        while (j < n && is_space(x[j])) ++j;
        if (j >= n || (x[j] != '"' && x[j] != '\'')) return "attribute value without quotes";
        size_t close = x.find(x[j], j + 1);
        if (close == std::string_view::npos) return "unterminated attribute value";
        attrs_.push_back(Attr{attr_name, x.substr(j + 1, close - j - 1)});
        j = close + 1;
      }
      node.attr_count = static_cast<uint32_t>(attrs_.size()) - node.first_attr;
      auto index = static_cast<uint32_t>(nodes_.size());
      if (!stack_.empty()) {
        Node& parent = nodes_[stack_.back()];
        if (parent.first_child == kNone) parent.first_child = index;
        else nodes_[parent.last_child].next = index;
        parent.last_child = index;
      } else if (!nodes_.empty()) {
        return "a second root element";
      }
      node.content_begin = node.content_end = node.end = j;
      nodes_.push_back(node);
      if (empty_element) {
        if (stack_.empty()) root_done = true;
      } else {
        stack_.push_back(index);
      }
      i = j;
    }
    if (!stack_.empty()) return "unexpected end of XML (an element is not closed)";
    if (nodes_.empty()) return "no XML element";
    return nullptr;
  }

  // `s` decoded: itself when it holds nothing to decode, else a copy in `buf`.
  static std::string_view decode(std::string_view s, std::string& buf) {
    if (s.find_first_of("&<") == std::string_view::npos) return s;
    buf.clear();
    append_decoded(s, buf);
    return buf;
  }

  // A leaf's whole content; an element's own text between its children when that is
  // not blank (layout between child elements is not text).
  std::string_view text(const Node& n) {
    if (n.first_child == kNone) return decode(xml_.substr(n.content_begin, n.content_end - n.content_begin), value_);
    value_.clear();
    size_t at = n.content_begin;
    for (uint32_t c = n.first_child; c != kNone; c = nodes_[c].next) {
      append_decoded(xml_.substr(at, nodes_[c].begin - at), value_);
      at = nodes_[c].end;
    }
    append_decoded(xml_.substr(at, n.content_end - at), value_);
    return is_blank(value_) ? std::string_view() : std::string_view(value_);
  }

  // An EventData / UserData element and what it holds.
  void add_value(WindowsEventWriter& writer, uint32_t index) {
    const Node& n = nodes_[index];
    std::string_view name = n.name;
    if (local_name(name) == "Data") {
      name = "Data";
      for (uint32_t a = n.first_attr; a < n.first_attr + n.attr_count; ++a)
        if (attrs_[a].name == "Name" && !attrs_[a].value.empty()) name = decode(attrs_[a].value, name_);
    }
    if (n.first_child == kNone) return writer.data(name, text(n));
    std::string_view own = text(n);
    if (!own.empty()) writer.data(name, own);
    for (uint32_t c = n.first_child; c != kNone; c = nodes_[c].next) add_value(writer, c);
  }

  std::string_view xml_;
  std::vector<Node> nodes_;
  std::vector<Attr> attrs_;
  std::vector<uint32_t> stack_;
  std::string name_, value_;  // decoded text, reused
};

}  // namespace

const char* read_windows_event_xml(std::string_view xml, WindowsRendering rendering, EventBatch& out) {
  thread_local XmlEventReader reader;
  return reader.read(xml, rendering, out);
}

}  // namespace vigil
