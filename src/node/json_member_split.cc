#include "node/json_member_split.h"

#include <algorithm>
#include <string>

namespace facetrail::node {
namespace {

bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t SkipWs(std::string_view s, size_t i) {
  while (i < s.size() && IsWs(s[i])) ++i;
  return i;
}

// A byte that stands for itself inside a JSON string.
bool IsPlain(char c) { return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\'; }

// A plain string token at `i`: its contents and the index past its closing quote.
bool PlainString(std::string_view s, size_t i, std::string_view* out, size_t* end) {
  if (i >= s.size() || s[i] != '"') return false;
  size_t j = i + 1;
  while (j < s.size() && IsPlain(s[j])) ++j;
  if (j >= s.size() || s[j] != '"') return false;
  *out = s.substr(i + 1, j - i - 1);
  *end = j + 1;
  return true;
}

// The member's value at `i`: a plain string or an array of them.
bool PlainValue(std::string_view s, size_t i, JsonMemberSplit* split, size_t* end) {
  std::string_view v;
  if (PlainString(s, i, &v, end)) {
    split->values.push_back(v);
    return true;
  }
  if (i >= s.size() || s[i] != '[') return false;
  size_t j = SkipWs(s, i + 1);
  if (j < s.size() && s[j] == ']') {
    *end = j + 1;
    return true;
  }
  while (true) {
    if (!PlainString(s, j, &v, &j)) return false;
    split->values.push_back(v);
    j = SkipWs(s, j);
    if (j >= s.size()) return false;
    if (s[j] == ']') {
      *end = j + 1;
      return true;
    }
    if (s[j] != ',') return false;
    j = SkipWs(s, j + 1);
  }
}

}  // namespace

std::optional<JsonMemberSplit> SplitJsonMember(std::string_view body, std::string_view key) {
  size_t pos = SkipWs(body, 0);
  if (pos >= body.size() || body[pos] != '{') return std::nullopt;
  JsonMemberSplit split;
  size_t cut_begin = 0, cut_end = 0;
  bool found = false;
  int depth = 0;
  bool expect_key = false;  // at depth 1, the next string is a member name
  while (pos < body.size()) {
    const char c = body[pos];
    if (c == '"') {
      size_t j = pos + 1;
      bool escaped = false;
      while (j < body.size() && body[j] != '"') {
        if (body[j] == '\\') {
          escaped = true;
          ++j;
        }
        ++j;
      }
      if (j >= body.size()) return std::nullopt;  // unterminated: the parser says so
      if (depth == 1 && expect_key) {
        expect_key = false;
        if (escaped) return std::nullopt;
        if (body.substr(pos + 1, j - pos - 1) == key) {
          if (found) return std::nullopt;  // repeated: the parser's rule decides
          size_t v = SkipWs(body, j + 1);
          if (v >= body.size() || body[v] != ':') return std::nullopt;
          v = SkipWs(body, v + 1);
          size_t end = 0;
          if (!PlainValue(body, v, &split, &end)) return std::nullopt;
          found = true;
          cut_begin = v;
          cut_end = end;
          pos = end;
          continue;
        }
      }
      pos = j + 1;
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
      if (depth == 1) expect_key = c == '{';
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ',' && depth == 1) {
      expect_key = true;
    }
    ++pos;
  }
  if (!found) return std::nullopt;
  // The value replaced by another value token: valid exactly when the body was.
  std::string rest;
  rest.reserve(body.size() - (cut_end - cut_begin) + 4);
  rest.append(body.substr(0, cut_begin)).append("null").append(body.substr(cut_end));
  split.rest = nlohmann::json::parse(rest, nullptr, false);
  if (!split.rest.is_discarded()) {
    if (!split.rest.is_object()) return std::nullopt;
    split.rest.erase(std::string(key));
  }
  return split;
}

Status ParseJsonBody(std::string_view body, std::string_view key, JsonBody* out) {
  if (auto split = SplitJsonMember(body, key)) {
    out->rest = std::move(split->rest);
    out->values = std::move(split->values);
    return Status::Ok();
  }
  out->rest = nlohmann::json::parse(body, nullptr, false);
  if (!out->rest.is_object()) return Status::Ok();  // the caller reports it
  auto it = out->rest.find(key);
  if (it == out->rest.end()) return Status::Ok();
  out->member = std::move(*it);
  out->rest.erase(it);
  auto take = [&](const nlohmann::json& x) {
    if (!x.is_string()) return false;
    out->values.push_back(x.get_ref<const std::string&>());
    return true;
  };
  const bool ok = out->member.is_array()
                      ? std::all_of(out->member.begin(), out->member.end(), take)
                      : take(out->member);
  if (!ok) return InvalidArgumentError(std::string(key) + " must be base64 text");
  return Status::Ok();
}

}  // namespace facetrail::node
