// SqliteDb: the statement cache must be invisible to callers (fresh bindings, rewound
// statements, no read left open) while preparing each SQL text only once.
#include "core/sqlite_db.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

namespace facetrail {
namespace {

class SqliteDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ftsqlite-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto db = SqliteDb::Open(dir_ + "/t.db", /*create=*/true, 1000);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Exec("PRAGMA journal_mode=WAL; CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT);").ok());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  Status Insert(int64_t k, std::string_view v) {
    FT_ASSIGN_OR_RETURN(SqliteStmt q, db_->Prepare("INSERT INTO t(k, v) VALUES(?, ?)"));
    q.Bind(1, k).BindText(2, v);
    return q.Run();
  }
  std::string dir_;
  std::unique_ptr<SqliteDb> db_;
};

TEST_F(SqliteDbTest, RepeatedStatementIsPreparedOnce) {
  const int64_t before = db_->statements_prepared();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(Insert(i, "x").ok());
  EXPECT_EQ(db_->statements_prepared() - before, 1);
}

TEST_F(SqliteDbTest, ReusedStatementHasNoBindingsLeft) {
  ASSERT_TRUE(Insert(1, "one").ok());
  {
    auto q = db_->Prepare("SELECT ?1 IS NULL");
    ASSERT_TRUE(q.ok());
    q->Bind(1, int64_t{5});
    ASSERT_TRUE(*q->Step());
    EXPECT_EQ(q->Int(0), 0);
  }
  auto q = db_->Prepare("SELECT ?1 IS NULL");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Int(0), 1) << "a cached statement kept the previous caller's binding";
}

TEST_F(SqliteDbTest, AbandonedReadIsRewoundAndReleasesItsSnapshot) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Insert(i, "v").ok());
  {
    auto q = db_->Prepare("SELECT k FROM t ORDER BY k");
    ASSERT_TRUE(q.ok());
    ASSERT_TRUE(*q->Step());
    EXPECT_EQ(q->Int(0), 0);
    // Left mid-iteration: the release must reset it, or it would keep a read open.
  }
  ASSERT_TRUE(Insert(10, "late").ok());
  auto q = db_->Prepare("SELECT k FROM t ORDER BY k");
  ASSERT_TRUE(q.ok());
  std::vector<int64_t> keys;
  while (*q->Step()) keys.push_back(q->Int(0));
  EXPECT_EQ(keys, (std::vector<int64_t>{0, 1, 2, 10})) << "the reused statement did not start over";

  // Another connection can write and checkpoint: nothing here holds a snapshot.
  auto other = SqliteDb::Open(dir_ + "/t.db", /*create=*/false, 1000);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->Exec("INSERT INTO t(k, v) VALUES(11, 'other')").ok());
  ASSERT_TRUE((*other)->Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
}

TEST_F(SqliteDbTest, NestedUseOfOneStatementGetsTwoStatements) {
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(Insert(i, "v").ok());
  auto a = db_->Prepare("SELECT k FROM t WHERE k = ?");
  auto b = db_->Prepare("SELECT k FROM t WHERE k = ?");
  ASSERT_TRUE(a.ok() && b.ok());
  a->Bind(1, int64_t{0});
  b->Bind(1, int64_t{1});
  ASSERT_TRUE(*a->Step());
  ASSERT_TRUE(*b->Step());
  EXPECT_EQ(a->Int(0), 0);
  EXPECT_EQ(b->Int(0), 1);
}

TEST_F(SqliteDbTest, TransactionRollsBackUnlessCommitted) {
  {
    auto txn = SqliteTransaction::Begin(db_.get(), /*immediate=*/true);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(Insert(1, "rolled back").ok());
  }
  {
    auto txn = SqliteTransaction::Begin(db_.get(), /*immediate=*/true);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(Insert(2, "kept").ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto q = db_->Prepare("SELECT group_concat(v) FROM t");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Text(0), "kept");
}

TEST_F(SqliteDbTest, ErrorsAreStatuses) {
  EXPECT_FALSE(db_->Prepare("SELEC nonsense").ok());
  EXPECT_EQ(db_->Prepare("   ").status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(Insert(1, "a").ok());
  EXPECT_EQ(Insert(1, "again").code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(Insert(2, "after an error the cached statement still works").ok());
  EXPECT_EQ(SqliteDb::Open(dir_ + "/absent.db", /*create=*/false, 10).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace facetrail
