// Env (POSIX) and FaultInjectionEnv: the durability primitives the audit log relies on.
#include "core/env.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "core/fault_injection_env.h"

namespace facetrail {
namespace {

class EnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ftenv-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string P(const std::string& name) const { return JoinPath(dir_, name); }
  std::string dir_;
  Env* env_ = Env::Default();
};

TEST_F(EnvTest, WriteAppendReadRename) {
  {
    auto f = env_->NewWritableFile(P("a"));
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append("hello ").ok());
    ASSERT_TRUE((*f)->Sync().ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  {
    auto f = env_->NewAppendableFile(P("a"));
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append("world").ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  EXPECT_EQ(*env_->ReadFileToString(P("a")), "hello world");
  EXPECT_EQ(*env_->GetFileSize(P("a")), 11u);
  auto r = env_->NewRandomAccessFile(P("a"));
  ASSERT_TRUE(r.ok());
  std::string out;
  ASSERT_TRUE((*r)->Read(6, 5, &out).ok());
  EXPECT_EQ(out, "world");
  EXPECT_EQ((*r)->Read(6, 6, &out).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(env_->ReadFileToString(P("a"), 5).status().code(), StatusCode::kResourceExhausted);
  ASSERT_TRUE(env_->WriteStringToFileSync(P("b"), "atomic").ok());
  EXPECT_EQ(*env_->ReadFileToString(P("b")), "atomic");
  EXPECT_FALSE(env_->FileExists(P("b.tmp")));
  ASSERT_TRUE(env_->RenameFile(P("b"), P("c")).ok());
  EXPECT_FALSE(env_->FileExists(P("b")));
  ASSERT_TRUE(env_->TruncateFile(P("c"), 2).ok());
  EXPECT_EQ(*env_->ReadFileToString(P("c")), "at");
  auto kids = env_->GetChildren(dir_);
  ASSERT_TRUE(kids.ok());
  EXPECT_EQ(kids->size(), 2u);
  EXPECT_EQ(env_->GetFileSize(P("missing")).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(env_->CreateDir(P("d")).ok());
  ASSERT_TRUE(env_->CreateDir(P("d")).ok());
  EXPECT_FALSE(env_->CreateDir(P("c")).ok());
}

TEST_F(EnvTest, LockIsExclusive) {
  auto a = env_->LockFile(P("LOCK"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(env_->LockFile(P("LOCK")).status().code(), StatusCode::kUnavailable);
  a->reset();
  EXPECT_TRUE(env_->LockFile(P("LOCK")).ok());
}

TEST_F(EnvTest, FaultEnvFailsTheNthWriteAndSyncOnce) {
  FaultInjectionEnv fenv(env_);
  auto f = fenv.NewWritableFile(P("f"));
  ASSERT_TRUE(f.ok());
  fenv.FailNthWrite(2);
  EXPECT_TRUE((*f)->Append("1111").ok());
  EXPECT_EQ((*f)->Append("2222").code(), StatusCode::kIOError);
  EXPECT_TRUE((*f)->Append("3333").ok());
  ASSERT_TRUE((*f)->Flush().ok());
  // The failed write was torn: half its bytes reached the file.
  EXPECT_EQ(*env_->ReadFileToString(P("f")), "1111223333");
  fenv.FailNthSync(1);
  EXPECT_EQ((*f)->Sync().code(), StatusCode::kIOError);
  EXPECT_TRUE((*f)->Sync().ok());
  EXPECT_EQ(fenv.writes(), 3u);
  EXPECT_EQ(fenv.syncs(), 2u);
}

TEST_F(EnvTest, FaultEnvDropsUnsyncedData) {
  FaultInjectionEnv fenv(env_);
  ASSERT_TRUE(fenv.CreateDir(P("sub")).ok());
  {
    auto f = fenv.NewWritableFile(P("sub/kept"));
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append("durable").ok());
    ASSERT_TRUE((*f)->Sync().ok());
    ASSERT_TRUE(fenv.SyncDir(P("sub")).ok());
    ASSERT_TRUE((*f)->Append(" and lost").ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  // Its directory sync also makes "kept"'s entry durable; "new" comes after it.
  ASSERT_TRUE(fenv.WriteStringToFileSync(P("sub/atomic"), "whole").ok());
  {
    auto g = fenv.NewWritableFile(P("sub/new"));  // directory never synced afterwards
    ASSERT_TRUE(g.ok());
    ASSERT_TRUE((*g)->Append("x").ok());
    ASSERT_TRUE((*g)->Sync().ok());
    ASSERT_TRUE((*g)->Close().ok());
  }
  EXPECT_EQ(*env_->ReadFileToString(P("sub/kept")), "durable and lost");
  ASSERT_TRUE(fenv.DropUnsyncedData().ok());
  EXPECT_EQ(*env_->ReadFileToString(P("sub/kept")), "durable");
  EXPECT_FALSE(env_->FileExists(P("sub/new")));
  EXPECT_EQ(*env_->ReadFileToString(P("sub/atomic")), "whole");
}

}  // namespace
}  // namespace facetrail
