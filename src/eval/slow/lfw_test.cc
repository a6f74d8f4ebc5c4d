// Slow (ctest label "lfw"): the real `facetrail eval pairs` binary on the LFW dev pairs,
// with the real models. Skips when the data or the models are absent. Uses the default
// template cache, so a second run takes seconds.
#include <cstdio>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

std::string DataDir() {
  const char* d = std::getenv("FACETRAIL_DATA");
  return d != nullptr && *d ? d : FACETRAIL_DATA_DEFAULT;
}
std::string ModelsDir() {
  const char* d = std::getenv("FACETRAIL_MODELS");
  return d != nullptr && *d ? d : FACETRAIL_MODELS_DEFAULT;
}

// Runs a command, returns its stdout; *rc gets the exit status.
std::string RunCommand(const std::string& cmd, int* rc) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    *rc = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int status = pclose(p);
  *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TEST(LfwTest, EvalPairsOnLfwDev) {
  const std::string lfw = DataDir() + "/lfw-dev";
  if (!std::filesystem::exists(lfw + "/pairs.csv")) GTEST_SKIP() << "no LFW data at " << lfw;
  if (!std::filesystem::exists(ModelsDir() + "/manifest.json")) {
    GTEST_SKIP() << "no converted models at " << ModelsDir();
  }
  int rc = 0;
  std::string out = RunCommand(std::string(FACETRAIL_BINARY) + " eval pairs --pairs " + lfw +
                            "/pairs.csv --images " + lfw + "/images --models " + ModelsDir() +
                            " 2>/dev/null",
                        &rc);
  ASSERT_EQ(rc, 0) << out;
  auto j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  EXPECT_EQ(j["pairs"], 3000);
  EXPECT_EQ(j["genuine_pairs"], 1500);
  ASSERT_EQ(j["folds"]["folds"].size(), 5u);
  // Well below what any usable embedder reaches on LFW (the prototype: 98.9-99.2%), well
  // above what a broken pipeline gives (chance is 50%).
  EXPECT_GT(j["accuracy"].get<double>(), 0.97);
  EXPECT_GT(j["auc"].get<double>(), 0.99);
  EXPECT_LT(j["eer"].get<double>(), 0.03);
  EXPECT_LT(j["fta"].get<double>(), 0.01);
  ASSERT_TRUE(j["tar_at_far"].contains("1e-3"));
  EXPECT_EQ(j["tar_at_far"]["1e-3"]["impostor_pairs"], 1500);
  EXPECT_GT(j["tar_at_far"]["1e-3"]["value"].get<double>(), 0.9);
  EXPECT_TRUE(j.contains("accuracy_at_default_threshold"));
  EXPECT_TRUE(j.contains("accuracy_std"));
}

}  // namespace
