// TemplateCache: round trip on the real filesystem, and every malformed entry is a miss.
#include "eval/template_cache.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

namespace facetrail::eval {
namespace {

CachedResult Sample() {
  CachedResult r;
  r.face_found = true;
  r.face.face.box = {1, 2, 30, 40};
  r.face.face.keypoints[2] = {5.5f, 6.5f};
  r.face.face.score = 0.93f;
  r.face.face.quality.sharpness = 123.25f;
  r.face.face.quality.yaw_deg = -7.5f;
  r.face.tmpl.model_id = "m@1#abc";
  r.face.tmpl.values = {0.6f, 0.8f, 0.0f};
  return r;
}

TEST(TemplateCacheTest, EncodeDecodeRoundTrip) {
  std::string bytes = TemplateCache::Encode("m@1#abc", Sample());
  auto back = TemplateCache::Decode(bytes, "m@1#abc", "m@1#abc");
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->face_found);
  EXPECT_EQ(back->face.face.box.height, 40);
  EXPECT_EQ(back->face.face.keypoints[2].y, 6.5f);
  EXPECT_EQ(back->face.face.quality.sharpness, 123.25f);
  EXPECT_EQ(back->face.face.quality.yaw_deg, -7.5f);
  EXPECT_EQ(back->face.tmpl.values, Sample().face.tmpl.values);
  EXPECT_EQ(back->face.tmpl.model_id, "m@1#abc");
}

TEST(TemplateCacheTest, MalformedEntriesAreMisses) {
  std::string bytes = TemplateCache::Encode("m@1#abc", Sample());
  EXPECT_FALSE(TemplateCache::Decode(bytes, "m@2#def", "m@2#def").has_value());  // other model
  for (size_t cut : {size_t{0}, size_t{3}, size_t{20}, bytes.size() - 1}) {
    EXPECT_FALSE(TemplateCache::Decode(bytes.substr(0, cut), "m@1#abc", "m@1#abc").has_value()) << cut;
  }
  EXPECT_FALSE(TemplateCache::Decode(bytes + "x", "m@1#abc", "m@1#abc").has_value());
  CachedResult none;
  auto no_face = TemplateCache::Decode(TemplateCache::Encode("m@1#abc", none), "m@1#abc", "m@1#abc");
  ASSERT_TRUE(no_face.has_value());
  EXPECT_FALSE(no_face->face_found);
}

TEST(TemplateCacheTest, PutThenGetOnDisk) {
  char tmpl[] = "/tmp/ft_cache_test_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = std::string(tmpl) + "/nested/cache";
  TemplateCache cache(Env::Default(), dir, "m@1#abc");
  ASSERT_TRUE(cache.Open().ok());
  std::string key(64, 'a');
  EXPECT_FALSE(cache.Get(key).has_value());
  ASSERT_TRUE(cache.Put(key, Sample()).ok());
  auto got = cache.Get(key);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->face.tmpl.values, Sample().face.tmpl.values);
  // Another model's cache over the same directory sees nothing.
  TemplateCache other(Env::Default(), dir, "m@2#def");
  ASSERT_TRUE(other.Open().ok());
  EXPECT_FALSE(other.Get(key).has_value());
  // Same model, another pipeline (a rebuilt engine): also a miss.
  TemplateCache rebuilt(Env::Default(), dir, "m@1#abc", "exe:other");
  ASSERT_TRUE(rebuilt.Open().ok());
  EXPECT_FALSE(rebuilt.Get(key).has_value());
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace facetrail::eval
