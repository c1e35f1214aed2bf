// Tests of dotted field paths: mounts, indices, map keys, suggestions.
#include "heyhi/config/field_path.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "conf.pb.h"
#include "heyhi/base/edit_distance.h"
#include "test_schema.pb.h"

namespace heyhi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(FieldPath, EmptyPathOrDotIsTheRootItself) {
  TestAllKindsTask task;
  EXPECT_EQ(*MutableMessageAt(&task, ""), &task);
  EXPECT_EQ(*MutableMessageAt(&task, "."), &task);
}

TEST(FieldPath, MountCreatesEveryMessageOnTheWay) {
  TestAllKindsTask task;
  absl::StatusOr<google::protobuf::Message*> at = MutableMessageAt(&task, "agent.backup");
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(*at, task.mutable_agent()->mutable_backup());
  EXPECT_TRUE(task.has_agent());
  EXPECT_TRUE(task.agent().has_backup());
}

TEST(FieldPath, PassingThroughAOneofMemberSelectsIt) {
  TrainTask train;
  train.mutable_mlp()->set_hidden_dim(3);
  absl::StatusOr<google::protobuf::Message*> at = MutableMessageAt(&train, "transformer");
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(train.encoder_case(), TrainTask::kTransformer);
  ASSERT_TRUE(MutableMessageAt(&train, "launcher.slurm").ok());
  EXPECT_TRUE(train.launcher().has_slurm());
}

TEST(FieldPath, IndexStepAddressesAnExistingElement) {
  TestAllKindsTask task;
  task.add_agents()->set_name("a");
  task.add_agents()->set_name("b");
  absl::StatusOr<google::protobuf::Message*> at = MutableMessageAt(&task, "agents.1");
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(*at, task.mutable_agents(1));
  EXPECT_EQ(task.agents_size(), 2);
}

TEST(FieldPath, IndexEqualToSizeOrMinusOneAppendsAnElement) {
  TestAllKindsTask task;
  ASSERT_TRUE(MutableMessageAt(&task, "agents.0").ok());
  EXPECT_EQ(task.agents_size(), 1);
  ASSERT_TRUE(MutableMessageAt(&task, "agents.-1").ok());
  EXPECT_EQ(task.agents_size(), 2);
  absl::StatusOr<google::protobuf::Message*> at = MutableMessageAt(&task, "agents.-1.backup");
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(task.agents_size(), 3);
  EXPECT_EQ(*at, task.mutable_agents(2)->mutable_backup());
}

TEST(FieldPath, IndexBeyondSizeIsAnErrorSayingHowManyElementsThereAre) {
  TestAllKindsTask task;
  task.add_agents();
  absl::StatusOr<google::protobuf::Message*> at = MutableMessageAt(&task, "agents.3");
  ASSERT_FALSE(at.ok());
  EXPECT_THAT(at.status().message(), HasSubstr("agents has 1 element"));
  EXPECT_EQ(task.agents_size(), 1);
  EXPECT_THAT(MutableMessageAt(&task, "agent.includes.2").status().message(),
              HasSubstr("agent.includes has 0 elements"));
  EXPECT_FALSE(task.has_agent()) << "a failed mount must not create anything";
}

TEST(FieldPath, RepeatedFieldMustBeFollowedByAnIndex) {
  TestAllKindsTask task;
  absl::StatusOr<google::protobuf::Message*> at = MutableMessageAt(&task, "agents.name");
  ASSERT_FALSE(at.ok());
  EXPECT_THAT(at.status().message(), HasSubstr("agents.0"));
  EXPECT_FALSE(MutableMessageAt(&task, "agents").ok());
}

TEST(FieldPath, MapStepInsertsTheKey) {
  TestAllKindsTask task;
  absl::StatusOr<google::protobuf::Message*> at = MutableMessageAt(&task, "agent_map.alice");
  ASSERT_TRUE(at.ok()) << at.status();
  static_cast<TestAgent*>(*at)->set_name("Alice");
  ASSERT_EQ(task.agent_map().count("alice"), 1u);
  EXPECT_EQ(task.agent_map().at("alice").name(), "Alice");
  ASSERT_TRUE(MutableMessageAt(&task, "agent_map.alice").ok());
  EXPECT_EQ(task.agent_map().size(), 1u);
  EXPECT_EQ(task.agent_map().at("alice").name(), "Alice");
}

TEST(FieldPath, MapKeyIsParsedByTheKeyType) {
  TestAllKindsTask task;
  (*task.mutable_names())[7] = "seven";
  EXPECT_EQ(*FindMapEntry(task, task.GetDescriptor()->FindFieldByName("names"), "7"), 0);
  EXPECT_EQ(*FindMapEntry(task, task.GetDescriptor()->FindFieldByName("names"), "8"), -1);
  absl::StatusOr<int> bad =
      FindMapEntry(task, task.GetDescriptor()->FindFieldByName("names"), "seven");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("int32"));
}

TEST(FieldPath, ScalarAtTheEndOfAMountIsAnError) {
  TestAllKindsTask task;
  absl::StatusOr<google::protobuf::Message*> at = MutableMessageAt(&task, "i32");
  ASSERT_FALSE(at.ok());
  EXPECT_THAT(at.status().message(), HasSubstr("not a message"));
}

TEST(FieldPath, UnknownStepNamesTheStepAndSuggestsFiveClosestPaths) {
  TestAllKindsTask task;
  absl::StatusOr<google::protobuf::Message*> at = MutableMessageAt(&task, "agent.nmae");
  ASSERT_FALSE(at.ok());
  EXPECT_THAT(at.status().message(), HasSubstr("unknown key 'agent.nmae' in TestAllKindsTask"));
  EXPECT_THAT(at.status().message(), HasSubstr("TestAgent has no field 'nmae'"));
  EXPECT_THAT(at.status().message(), HasSubstr("did you mean: agent.name"));
  EXPECT_FALSE(task.has_agent()) << "a failed path must not create anything";
}

TEST(FieldPath, MessageTypeAtSkipsIndexAndKeySteps) {
  const google::protobuf::Descriptor* type = TestAllKindsTask::descriptor();
  EXPECT_EQ(*MessageTypeAt(type, ""), type);
  EXPECT_EQ(*MessageTypeAt(type, "agents.0.backup"), TestAgent::descriptor());
  EXPECT_EQ(*MessageTypeAt(type, "agent_map.x.random"), TestRandomPolicy::descriptor());
  EXPECT_EQ(*MessageTypeAt(type, "launcher.slurm"), heyhi::SlurmLauncher::descriptor());
  EXPECT_FALSE(MessageTypeAt(type, "i32").ok());
  EXPECT_FALSE(MessageTypeAt(type, "nope").ok());
}

TEST(FieldPath, WorksOnALegacySchemaWithItsOwnInclude) {
  legacy::MetaCfg meta;
  absl::StatusOr<google::protobuf::Message*> at =
      MutableMessageAt(&meta, "compare_agents.agent_one.optim");
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_TRUE(meta.compare_agents().agent_one().has_optim());
}

TEST(FieldPath, AllFieldPathsListsNestedFieldsAndStopsRecursiveTypes) {
  const std::vector<std::string> paths = AllFieldPaths(TrainTask::descriptor());
  EXPECT_THAT(paths, ::testing::Contains("data.dir"));
  EXPECT_THAT(paths, ::testing::Contains("transformer.num_heads"));
  EXPECT_THAT(paths, ::testing::Contains("launcher.slurm.partition"));
  const std::vector<std::string> recursive = AllFieldPaths(TestAgent::descriptor(), 3);
  EXPECT_THAT(recursive, ::testing::Contains("backup.backup.name"));
  EXPECT_THAT(recursive, ::testing::Not(::testing::Contains("backup.backup.backup.name")));
}

TEST(FieldPath, EditDistanceIsLevenshtein) {
  EXPECT_EQ(EditDistance("", ""), 0);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3);
  EXPECT_EQ(EditDistance("lr", "lrr"), 1);
  EXPECT_EQ(EditDistance("abc", ""), 3);
}

TEST(FieldPath, ClosestMatchesAreOrderedByDistanceThenCandidateOrder) {
  EXPECT_THAT(ClosestMatches("lr", {"momentum", "lr_decay", "lx", "lr", "la"}, 3),
              ElementsAre("lr", "lx", "la"));
  EXPECT_THAT(ClosestMatches("x", {"a"}, 5), ElementsAre("a"));
}

}  // namespace
// SetPathProbe keeps the messages on the way to the last path asked: in any
// order, set or not, through elements, map keys and unset messages, it
// answers as PathIsSet does.
TEST(SetPathProbe, AnswersAsPathIsSetWhateverTheOrderOfThePaths) {
  TestAllKindsTask task;
  task.set_i32(1);
  task.mutable_agent()->set_name("a");
  task.mutable_agent()->mutable_backup()->set_temperature(2);
  task.add_agents()->set_name("first");
  task.add_agents()->mutable_backup()->set_rollouts(3);
  (*task.mutable_agent_map())["k"].set_name("in map");
  task.add_ints(4);
  const std::vector<std::string> keys = {"i32",
                                         "i64",
                                         "agent.name",
                                         "agent.backup.temperature",
                                         "agent.backup.name",
                                         "agent.temperature",
                                         "agents",
                                         "agents.0.name",
                                         "agents.1.name",
                                         "agents.1.backup.rollouts",
                                         "agents.0.backup.rollouts",
                                         "agent_map.k.name",
                                         "agent_map.k.backup.name",
                                         "agent_map.other.name",
                                         "ints",
                                         "strs",
                                         "choice_agent.name",
                                         "agent.backup",
                                         "agents.1.backup"};
  std::vector<FieldPath> paths;
  for (const std::string& key : keys) {
    absl::StatusOr<FieldPath> path = ResolveFieldPath(task.GetDescriptor(), key);
    ASSERT_TRUE(path.ok()) << key << ": " << path.status();
    paths.push_back(*path);
  }
  std::vector<size_t> order(paths.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<std::vector<size_t>> orders = {order, {order.rbegin(), order.rend()}};
  std::mt19937 random(7);
  for (int i = 0; i < 3; ++i) {
    std::shuffle(order.begin(), order.end(), random);
    orders.push_back(order);
  }
  size_t set = 0;
  for (const std::vector<size_t>& asked : orders) {
    SetPathProbe probe(task);
    for (size_t at : asked) {
      const bool expected = PathIsSet(task, paths[at]);
      EXPECT_EQ(probe.IsSet(paths[at]), expected) << keys[at];
      set += expected;
    }
  }
  // Set and unset paths alike.
  EXPECT_GT(set, 0u);
  EXPECT_LT(set, orders.size() * paths.size());
}

}  // namespace heyhi
