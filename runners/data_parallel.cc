// c10d process group of a data-parallel job: TCPStore rendezvous, then Gloo
// (CPU) or NCCL (CUDA builds) collectives over flattened buffers.
#include "runners/data_parallel.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef HEYHI_WITH_CUDA
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "glog/logging.h"

namespace runners {
namespace {

// How long a rank waits for the others: to connect, and inside a collective.
constexpr std::chrono::minutes kRendezvousTimeout{5};
constexpr std::chrono::minutes kCollectiveTimeout{10};

bool IsLoopback(const std::string& address) {
  return address == "localhost" || absl::StartsWith(address, "127.") || address == "::1";
}

// Gloo's network device: GLOO_SOCKET_IFNAME when set (as in PyTorch); the
// loopback address for a job on one machine; else this host's address.
std::shared_ptr<::gloo::transport::Device> GlooDevice(const std::string& master_addr) {
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"); interface && *interface) {
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  }
  if (IsLoopback(master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname(master_addr);
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

torch::Device RankDevice(const heyhi::JobContext& ctx) {
#ifdef HEYHI_WITH_CUDA
  if (torch::cuda::is_available()) {
    return torch::Device(torch::kCUDA, ctx.local_rank() % torch::cuda::device_count());
  }
#endif
  (void)ctx;
  return torch::Device(torch::kCPU);
}

absl::StatusOr<std::unique_ptr<DataParallelGroup>> DataParallelGroup::Join(
    const heyhi::JobContext& ctx, torch::Device device) {
  std::unique_ptr<DataParallelGroup> group(new DataParallelGroup(ctx.rank(), ctx.world_size()));
  if (ctx.world_size() < 1 || ctx.rank() < 0 || ctx.rank() >= ctx.world_size()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("rank %d is not in a world of size %d", ctx.rank(), ctx.world_size()));
  }
  if (ctx.world_size() == 1) return group;
  if (ctx.master_port() <= 0 || ctx.master_port() > 65535 || ctx.master_addr().empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "a data-parallel job of %d ranks needs MASTER_ADDR and MASTER_PORT; got '%s' and %d",
        ctx.world_size(), ctx.master_addr(), ctx.master_port()));
  }
  try {
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<uint16_t>(ctx.master_port());
    store_options.isServer = ctx.rank() == 0;
    store_options.numWorkers = ctx.world_size();
    store_options.waitWorkers = true;
    store_options.timeout = kRendezvousTimeout;
    group->store_ = c10::make_intrusive<c10d::TCPStore>(ctx.master_addr(), store_options);
    if (device.is_cuda()) {
#ifdef HEYHI_WITH_CUDA
      group->group_ = c10::make_intrusive<c10d::ProcessGroupNCCL>(
          group->store_, ctx.rank(), ctx.world_size(), c10d::ProcessGroupNCCL::Options::create());
#endif
    } else {
      auto options = c10d::ProcessGroupGloo::Options::create(kCollectiveTimeout);
      options->devices.push_back(GlooDevice(ctx.master_addr()));
      options->threads = 2;
      group->group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(group->store_, ctx.rank(),
                                                                  ctx.world_size(), options);
    }
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrFormat("rank %d of %d could not join the process group at %s:%d: %s", ctx.rank(),
                        ctx.world_size(), ctx.master_addr(), ctx.master_port(), e.what()));
  }
  LOG(INFO) << "rank " << ctx.rank() << " of " << ctx.world_size() << " joined the "
            << group->group_->getBackendName() << " process group at " << ctx.master_addr() << ":"
            << ctx.master_port();
  return group;
}

DataParallelGroup::~DataParallelGroup() = default;

template <typename Collective>
void DataParallelGroup::Coalesced(const std::vector<torch::Tensor>& tensors,
                                  Collective collective) {
  if (world_size_ == 1 || tensors.empty()) return;
  // One buffer per dtype (a model's buffers mix float statistics and int64
  // counters), in the order the dtypes first appear: the same on every rank.
  std::vector<torch::ScalarType> dtypes;
  for (const torch::Tensor& t : tensors) {
    if (std::find(dtypes.begin(), dtypes.end(), t.scalar_type()) == dtypes.end()) {
      dtypes.push_back(t.scalar_type());
    }
  }
  torch::NoGradGuard no_grad;
  for (torch::ScalarType dtype : dtypes) {
    std::vector<torch::Tensor> members;
    std::vector<torch::Tensor> flat;
    for (const torch::Tensor& t : tensors) {
      if (t.scalar_type() != dtype) continue;
      members.push_back(t);
      flat.push_back(t.detach().reshape({-1}));
    }
    std::vector<torch::Tensor> buffer = {torch::cat(flat)};
    collective(buffer)->wait();
    int64_t offset = 0;
    for (torch::Tensor& t : members) {
      const int64_t n = t.numel();
      t.copy_(buffer[0].narrow(0, offset, n).view_as(t));
      offset += n;
    }
  }
}

void DataParallelGroup::MeanInPlace(const std::vector<torch::Tensor>& tensors) {
  Coalesced(tensors, [this](std::vector<torch::Tensor>& buffer) {
    buffer[0].div_(world_size_);
    return group_->allreduce(buffer);
  });
}

void DataParallelGroup::SumInPlace(const std::vector<torch::Tensor>& tensors) {
  Coalesced(tensors,
            [this](std::vector<torch::Tensor>& buffer) { return group_->allreduce(buffer); });
}

void DataParallelGroup::BroadcastFromRankZero(const std::vector<torch::Tensor>& tensors) {
  Coalesced(tensors, [this](std::vector<torch::Tensor>& buffer) {
    c10d::BroadcastOptions options;
    options.rootRank = 0;
    return group_->broadcast(buffer, options);
  });
}

void DataParallelGroup::Barrier() {
  if (world_size_ > 1) group_->barrier()->wait();
}

}  // namespace runners
