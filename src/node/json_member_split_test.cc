#include "node/json_member_split.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#ifdef FACETRAIL_HAVE_RAPIDCHECK
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#endif

namespace facetrail::node {
namespace {

using nlohmann::json;

// What the node did before the fast path, and does whenever it declines: parse it all,
// take the member's strings out. nullopt when the member has a non-string.
struct Reference {
  json rest;
  std::vector<std::string> values;
};
std::optional<Reference> Slow(const std::string& body, const std::string& key) {
  Reference r;
  r.rest = json::parse(body, nullptr, false);
  if (r.rest.is_discarded() || !r.rest.is_object()) return r;
  auto it = r.rest.find(key);
  if (it != r.rest.end()) {
    std::vector<const json*> list;
    if (it->is_array()) {
      for (const json& x : *it) list.push_back(&x);
    } else {
      list.push_back(&*it);
    }
    for (const json* x : list) {
      if (!x->is_string()) return std::nullopt;
      r.values.push_back(x->get<std::string>());
    }
    r.rest.erase(key);
  }
  return r;
}

// Property: the fast path, when it answers, answers what the reference does. "" when it
// agrees, else what differs.
std::string Disagreement(const std::string& body, const std::string& key = "image") {
  auto fast = SplitJsonMember(body, key);
  if (!fast) return "";
  auto slow = Slow(body, key);
  if (!slow) return "fast path took a member with a non-string: " + body;
  if (fast->rest.is_discarded() != slow->rest.is_discarded()) return "validity differs: " + body;
  if (slow->rest.is_discarded()) return "";
  if (fast->rest != slow->rest) return "rest differs: " + body;
  std::vector<std::string> values(fast->values.begin(), fast->values.end());
  if (values != slow->values) return "values differ: " + body;
  return "";
}

TEST(JsonMemberSplitTest, CutsOutAPlainStringAndParsesTheRest) {
  const std::string body = R"({"purpose": "robbery", "image": "QUJD/+==", "case_number": "C-1"})";
  auto s = SplitJsonMember(body, "image");
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(s->values.size(), 1u);
  EXPECT_EQ(s->values[0], "QUJD/+==");
  // A view into the body, not a copy.
  EXPECT_GE(s->values[0].data(), body.data());
  EXPECT_LT(s->values[0].data(), body.data() + body.size());
  EXPECT_EQ(s->rest, json({{"purpose", "robbery"}, {"case_number", "C-1"}}));
  EXPECT_EQ(Disagreement(body), "");
}

TEST(JsonMemberSplitTest, CutsOutAnArrayOfPlainStrings) {
  auto s = SplitJsonMember(R"({"identity_id":"x","images":[ "QQ==" , "Qg==" ]})", "images");
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(s->values.size(), 2u);
  EXPECT_EQ(s->values[1], "Qg==");
  EXPECT_EQ(s->rest, json({{"identity_id", "x"}}));
  auto empty = SplitJsonMember(R"({"images":[]})", "images");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->values.empty());
}

TEST(JsonMemberSplitTest, InvalidJsonStaysInvalid) {
  for (const char* body : {R"({"image":"QQ==", })", R"({"image":"QQ==" "a":1})",
                           R"({"image":"QQ=="} trailing)", R"({"image":"QQ==", "a": [})",
                           "{\"image\":\"QQ==\", \"a\": \"\x01\"}"}) {
    auto s = SplitJsonMember(body, "image");
    ASSERT_TRUE(s.has_value()) << body;
    EXPECT_TRUE(s->rest.is_discarded()) << body;
    EXPECT_EQ(Disagreement(body), "");
  }
}

TEST(JsonMemberSplitTest, DeclinesWhateverNeedsTheRealParser) {
  for (const char* body : {
           R"(["image", "QQ=="])",                       // not an object
           R"({"purpose":"x"})",                         // no such member
           R"({"image":"QQ==","image":"Qg=="})",         // repeated
           R"({"im\u0061ge":"QQ==","image":"Qg=="})",    // escaped key could be the member
           R"({"image":"Q\/Q="})",                       // escape in the value
           "{\"image\":\"\xc3\xa9\"}",                   // non-ASCII in the value
           R"({"image":42})", R"({"image":["QQ==",1]})", R"({"image":null})",
           R"({"image":"QQ==)",                          // unterminated
       }) {
    EXPECT_FALSE(SplitJsonMember(body, "image").has_value()) << body;
  }
}

TEST(JsonMemberSplitTest, OnlyTopLevelMembersCount) {
  // Nested or quoted look-alikes are not the member.
  auto s = SplitJsonMember(R"({"a":{"image":"no"},"b":"\"image\":\"no\"","image":"QQ==","c":["image"]})",
                           "image");
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(s->values.size(), 1u);
  EXPECT_EQ(s->values[0], "QQ==");
  EXPECT_EQ(s->rest.size(), 3u);
  EXPECT_FALSE(SplitJsonMember(R"({"a":{"image":"QQ=="}})", "image").has_value());
}

TEST(JsonBodyTest, TakesTheMemberOutOnEitherPath) {
  // Fast path: a view into the body.
  const std::string plain = R"({"image":"QQ==","purpose":"x"})";
  JsonBody fast;
  ASSERT_TRUE(ParseJsonBody(plain, "image", &fast).ok());
  ASSERT_EQ(fast.values.size(), 1u);
  EXPECT_EQ(fast.values[0], "QQ==");
  EXPECT_EQ(fast.values[0].data(), plain.data() + plain.find("QQ==")) << "a view, not a copy";
  EXPECT_EQ(fast.rest, json({{"purpose", "x"}}));
  // Full parse (an escape in the value): the unescaped text, the member out of `rest`.
  JsonBody full;
  ASSERT_TRUE(ParseJsonBody(R"({"images":["Q\/Q=","Qg=="],"purpose":"x"})", "images", &full).ok());
  ASSERT_EQ(full.values.size(), 2u);
  EXPECT_EQ(full.values[0], "Q/Q=");
  EXPECT_EQ(full.values[1], "Qg==");
  EXPECT_EQ(full.rest, json({{"purpose", "x"}}));
}

TEST(JsonBodyTest, RefusesNonStringsAndLeavesInvalidJsonDiscarded) {
  JsonBody a;
  Status s = ParseJsonBody(R"({"image":["QQ==",7]})", "image", &a);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("base64"), std::string::npos);
  JsonBody b;
  EXPECT_TRUE(ParseJsonBody(R"({"image":"QQ==",)", "image", &b).ok());
  EXPECT_TRUE(b.rest.is_discarded());
  JsonBody c;
  EXPECT_TRUE(ParseJsonBody(R"({"purpose":"x"})", "image", &c).ok());
  EXPECT_TRUE(c.values.empty());
  EXPECT_EQ(c.rest, json({{"purpose", "x"}}));
}

#ifdef FACETRAIL_HAVE_RAPIDCHECK
// Bodies built from the pieces that matter: plain and escaped strings, nesting, the
// member as string/array/other, duplicates, and small corruptions.
RC_GTEST_PROP(JsonMemberSplitProperty, AgreesWithTheFullParser, ()) {
  const std::vector<std::string> atoms = {
      R"("QUJD")", R"("a\"b")", R"("\u0041")", R"("Q\/Q=")", "1", "-2.5e3", "true", "null",
      R"({"image":"x"})", R"(["image"])", "[]", "{}", "\"\xc3\xa9\"", R"("")"};
  const std::vector<std::string> keys = {R"("image")", R"("purpose")", R"("im\u0061ge")",
                                         R"("case")", R"("images")"};
  const int members = *rc::gen::inRange(0, 5);
  std::string body = "{";
  for (int i = 0; i < members; ++i) {
    if (i > 0) body += *rc::gen::element<std::string>(",", " , ", ",\n");
    body += *rc::gen::elementOf(keys);
    body += *rc::gen::element<std::string>(":", " : ");
    if (*rc::gen::inRange(0, 3) == 0) {
      const int n = *rc::gen::inRange(0, 3);
      body += "[";
      for (int k = 0; k < n; ++k) body += (k ? "," : "") + *rc::gen::elementOf(atoms);
      body += "]";
    } else {
      body += *rc::gen::elementOf(atoms);
    }
  }
  body += "}";
  if (*rc::gen::inRange(0, 4) == 0) {  // corrupt one byte
    const size_t at = *rc::gen::inRange<size_t>(0, body.size());
    body[at] = *rc::gen::element<char>('"', '{', '}', ',', ':', '\\', 'x', '\x01');
  }
  RC_ASSERT(Disagreement(body).empty());
}
#endif

}  // namespace
}  // namespace facetrail::node
