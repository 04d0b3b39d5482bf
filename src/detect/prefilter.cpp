// Vectorscan literal prefilter; see prefilter.h.
#include "detect/prefilter.h"

#include <hs/hs.h>

#include <unordered_map>

namespace vigil::detect {

Prefilter::~Prefilter() {
  if (db_) hs_free_database(db_);
}
Prefilter::Prefilter(Prefilter&& o) noexcept : db_(o.db_), owners_(std::move(o.owners_)) { o.db_ = nullptr; }
Prefilter& Prefilter::operator=(Prefilter&& o) noexcept {
  if (this != &o) {
    if (db_) hs_free_database(db_);
    db_ = o.db_;
    o.db_ = nullptr;
    owners_ = std::move(o.owners_);
  }
  return *this;
}

Prefilter::Scratch::~Scratch() {
  if (s_) hs_free_scratch(s_);
}

Result<Prefilter> Prefilter::build(const std::vector<std::string>& literals, const std::vector<uint32_t>& owners) {
  Prefilter p;
  std::unordered_map<std::string, uint32_t> ids;
  std::vector<const std::string*> unique;
  for (size_t i = 0; i < literals.size(); ++i) {
    auto [it, added] = ids.try_emplace(literals[i], static_cast<uint32_t>(unique.size()));
    if (added) {
      unique.push_back(&it->first);
      p.owners_.emplace_back();
    }
    p.owners_[it->second].push_back(owners[i]);
  }
  if (unique.empty()) return p;
  std::vector<const char*> exprs;
  std::vector<size_t> lens;
  std::vector<unsigned> flags, hs_ids;
  for (uint32_t i = 0; i < unique.size(); ++i) {
    exprs.push_back(unique[i]->data());
    lens.push_back(unique[i]->size());
    flags.push_back(HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH);
    hs_ids.push_back(i);
  }
  hs_compile_error_t* err = nullptr;
  const hs_error_t rc = hs_compile_lit_multi(exprs.data(), flags.data(), hs_ids.data(), lens.data(),
                                             static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &p.db_, &err);
  if (rc != HS_SUCCESS) {
    std::string why = err && err->message ? err->message : "unknown error";
    if (err) hs_free_compile_error(err);
    return Status::error("prefilter: Vectorscan could not compile " + std::to_string(exprs.size()) + " literals: " + why);
  }
  return p;
}

namespace {
struct ScanContext {
  const std::vector<std::vector<uint32_t>>* owners;
  std::vector<uint32_t>* out;
};
int on_match(unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) {
  auto* c = static_cast<ScanContext*>(ctx);
  const auto& o = (*c->owners)[id];
  c->out->insert(c->out->end(), o.begin(), o.end());
  return 0;
}
}  // namespace

Status Prefilter::reserve(Scratch& scratch) const {
  if (db_ && hs_alloc_scratch(db_, &scratch.s_) != HS_SUCCESS) return Status::error("prefilter: cannot allocate scan space");
  return {};
}

Status Prefilter::scan(std::string_view text, Scratch& scratch, std::vector<uint32_t>& owners) const {
  if (!db_) return {};
  if (!scratch.s_) return Status::error("prefilter: scan space not reserved");
  ScanContext ctx{&owners_, &owners};
  const hs_error_t rc = hs_scan(db_, text.data(), static_cast<unsigned>(text.size()), 0, scratch.s_, on_match, &ctx);
  if (rc != HS_SUCCESS) return Status::error("prefilter: scan failed (" + std::to_string(rc) + ")");
  return {};
}

}  // namespace vigil::detect
