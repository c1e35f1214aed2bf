// Data parallelism over c10d: the ranks of a job form a process group (Gloo on
// CPU, NCCL on CUDA builds), average their gradients every step and share
// parameters and metrics.
#ifndef RUNNERS_DATA_PARALLEL_H_
#define RUNNERS_DATA_PARALLEL_H_

#include <torch/torch.h>

#include <memory>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>
#include <vector>

#include "absl/status/statusor.h"
#include "heyhi/task.h"

namespace runners {

// The device this rank computes on: cuda:<local rank> when this build has
// CUDA and a GPU is visible, else the CPU.
torch::Device RankDevice(const heyhi::JobContext& ctx);

class DataParallelGroup {
 public:
  // Joins the job's process group: rank 0 serves a TCPStore at
  // ctx.master_addr():ctx.master_port(), the others connect to it. A group of
  // one (world_size 1) needs no network and makes every call a no-op.
  static absl::StatusOr<std::unique_ptr<DataParallelGroup>> Join(const heyhi::JobContext& ctx,
                                                                 torch::Device device);
  ~DataParallelGroup();

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }

  // Replaces each of `tensors` with its mean over the ranks, in place (one
  // collective per dtype): gradients, and the step's loss with them.
  void MeanInPlace(const std::vector<torch::Tensor>& tensors);

  // Sums `tensors` over the ranks, in place (one collective).
  void SumInPlace(const std::vector<torch::Tensor>& tensors);

  // Copies rank 0's values of `tensors` to every rank, in place.
  void BroadcastFromRankZero(const std::vector<torch::Tensor>& tensors);

  // Waits until every rank got here.
  void Barrier();

 private:
  DataParallelGroup(int rank, int world_size) : rank_(rank), world_size_(world_size) {}
  // Flattens `tensors` into one buffer, runs `collective` on it, copies back.
  template <typename Collective>
  void Coalesced(const std::vector<torch::Tensor>& tensors, Collective collective);

  int rank_;
  int world_size_;
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroup> group_;
};

}  // namespace runners

#endif  // RUNNERS_DATA_PARALLEL_H_
