// SplitJsonMember: cuts one top-level member (a string, or an array of strings) out of a
// JSON object text without running the general JSON parser over it, and parses the rest.
//
// Why: a probe arrives as ~20-30 KB of base64 inside a JSON body. nlohmann's lexer spent
// ~0.17 ms per request copying that text character by character (docs/benchmarks.md,
// "Node API"), for a string whose bytes are its value. Here the member's text is found by
// a structural scan (~1 ns per byte), handed out as a view into the body, and only the
// few hundred remaining bytes are parsed.
//
// Contract: when SplitJsonMember returns a value, it equals what parsing the whole body
// with nlohmann and then removing `key` gives: `rest` is that object without `key` (or is
// discarded when the body is not valid JSON) and `values` are the member's strings. It
// returns nullopt, and the caller parses the whole body, whenever that equality could be
// in doubt: the text is not an object; `key` is absent or appears twice; a top-level key
// has an escape (it could spell `key`); or a value is not plain, that is has a byte outside
// printable ASCII, a quote inside or a backslash (escapes and UTF-8 need the real lexer).
// Checked against nlohmann by json_member_split_test.cc (properties) and
// fuzz/json_member_split_fuzzer.cc (differential).
#ifndef FACETRAIL_NODE_JSON_MEMBER_SPLIT_H_
#define FACETRAIL_NODE_JSON_MEMBER_SPLIT_H_

#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "facetrail/status.h"

namespace facetrail::node {

struct JsonMemberSplit {
  nlohmann::json rest;                   // the object without `key`; discarded if invalid JSON
  std::vector<std::string_view> values;  // views into the body passed in (string: one)
};

std::optional<JsonMemberSplit> SplitJsonMember(std::string_view body, std::string_view key);

// A JSON request body with its member `key` (a string or an array of strings) taken out:
// SplitJsonMember when it answers, else nlohmann's full parse. `values` point into `body`
// (fast path) or into `member` (full parse): use them only while both live. `rest` is
// discarded when the body is not valid JSON (and is then the only thing set);
// kInvalidArgument when a value of `key` is not a string.
struct JsonBody {
  nlohmann::json rest;                   // the object without `key`
  std::vector<std::string_view> values;  // the member's strings
  nlohmann::json member;                 // the member, when the full parse found it
};
Status ParseJsonBody(std::string_view body, std::string_view key, JsonBody* out);

}  // namespace facetrail::node

#endif  // FACETRAIL_NODE_JSON_MEMBER_SPLIT_H_
