// MLP, CNN and patch-transformer classifiers built from their configs.
#include "runners/models.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "conf.cfg.h"

namespace runners {
namespace {

torch::Tensor Activate(Activation activation, const torch::Tensor& x) {
  return activation == GELU ? torch::gelu(x) : torch::relu(x);
}

absl::Status CheckDropout(const char* field, double dropout) {
  if (dropout < 0 || dropout >= 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s %g is not a probability in [0, 1)", field, dropout));
  }
  return absl::OkStatus();
}

// Flattened image -> [Linear -> activation -> dropout] x num_layers -> Linear.
class MlpClassifier : public ImageClassifier {
 public:
  MlpClassifier(const MlpView& cfg, int inputs, int num_classes)
      : activation_(cfg.activation()), dropout_(cfg.dropout()) {
    int width = inputs;
    for (int i = 0; i < cfg.num_layers(); ++i) {
      hidden_.push_back(register_module(absl::StrFormat("hidden%d", i),
                                        torch::nn::Linear(width, cfg.hidden_dim())));
      width = cfg.hidden_dim();
    }
    head_ = register_module("head", torch::nn::Linear(width, num_classes));
  }

  torch::Tensor forward(torch::Tensor images) override {
    torch::Tensor x = images.flatten(1);
    for (auto& layer : hidden_) {
      x = torch::dropout(Activate(activation_, layer->forward(x)), dropout_, is_training());
    }
    return head_->forward(x);
  }

 private:
  Activation activation_;
  double dropout_;
  std::vector<torch::nn::Linear> hidden_;
  torch::nn::Linear head_{nullptr};
};

// [3x3 conv -> batch norm -> activation -> 2x2 max pool] x num_blocks, the
// channels doubling from block to block, then dropout and a linear head.
class ConvClassifier : public ImageClassifier {
 public:
  ConvClassifier(const ConvView& cfg, int rows, int cols, int num_classes)
      : activation_(cfg.activation()), dropout_(cfg.dropout()) {
    int in_channels = 1;
    int channels = cfg.channels();
    for (int i = 0; i < cfg.num_blocks(); ++i) {
      convs_.push_back(register_module(
          absl::StrFormat("conv%d", i),
          torch::nn::Conv2d(
              torch::nn::Conv2dOptions(in_channels, channels, 3).padding(1).bias(false))));
      norms_.push_back(
          register_module(absl::StrFormat("norm%d", i), torch::nn::BatchNorm2d(channels)));
      in_channels = channels;
      channels *= 2;
      rows /= 2;
      cols /= 2;
    }
    head_ = register_module("head", torch::nn::Linear(in_channels * rows * cols, num_classes));
  }

  torch::Tensor forward(torch::Tensor images) override {
    torch::Tensor x = images;
    for (size_t i = 0; i < convs_.size(); ++i) {
      x = torch::max_pool2d(Activate(activation_, norms_[i]->forward(convs_[i]->forward(x))), 2);
    }
    x = torch::dropout(x.flatten(1), dropout_, is_training());
    return head_->forward(x);
  }

 private:
  Activation activation_;
  double dropout_;
  std::vector<torch::nn::Conv2d> convs_;
  std::vector<torch::nn::BatchNorm2d> norms_;
  torch::nn::Linear head_{nullptr};
};

// A pre-norm transformer block: x + attention(norm(x)), then x + mlp(norm(x)).
class TransformerBlock : public torch::nn::Module {
 public:
  TransformerBlock(const TransformerView& cfg)
      : num_heads_(cfg.num_heads()), activation_(cfg.activation()), dropout_(cfg.dropout()) {
    const int dim = cfg.embed_dim();
    attention_norm_ =
        register_module("attention_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    qkv_ = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
    projection_ = register_module("projection", torch::nn::Linear(dim, dim));
    mlp_norm_ =
        register_module("mlp_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    mlp_in_ = register_module("mlp_in", torch::nn::Linear(dim, cfg.ff_channels()));
    mlp_out_ = register_module("mlp_out", torch::nn::Linear(cfg.ff_channels(), dim));
  }

  torch::Tensor forward(const torch::Tensor& tokens) {
    const int64_t batch = tokens.size(0);
    const int64_t length = tokens.size(1);
    const int64_t dim = tokens.size(2);
    const int64_t head_dim = dim / num_heads_;
    // [batch, length, 3, heads, head_dim] -> [3, batch, heads, length, head_dim]
    torch::Tensor qkv = qkv_->forward(attention_norm_->forward(tokens))
                            .view({batch, length, 3, num_heads_, head_dim})
                            .permute({2, 0, 3, 1, 4});
    torch::Tensor scores =
        torch::matmul(qkv[0], qkv[1].transpose(-2, -1)) / std::sqrt(static_cast<double>(head_dim));
    torch::Tensor weights = torch::dropout(torch::softmax(scores, -1), dropout_, is_training());
    torch::Tensor attended =
        torch::matmul(weights, qkv[2]).transpose(1, 2).reshape({batch, length, dim});
    torch::Tensor x =
        tokens + torch::dropout(projection_->forward(attended), dropout_, is_training());
    torch::Tensor hidden = torch::dropout(
        Activate(activation_, mlp_in_->forward(mlp_norm_->forward(x))), dropout_, is_training());
    return x + torch::dropout(mlp_out_->forward(hidden), dropout_, is_training());
  }

 private:
  int64_t num_heads_;
  Activation activation_;
  double dropout_;
  torch::nn::LayerNorm attention_norm_{nullptr}, mlp_norm_{nullptr};
  torch::nn::Linear qkv_{nullptr}, projection_{nullptr}, mlp_in_{nullptr}, mlp_out_{nullptr};
};

// Non-overlapping square patches -> linear embedding + learned position
// embedding -> blocks -> layer norm -> mean over tokens -> linear head.
class PatchTransformerClassifier : public ImageClassifier {
 public:
  PatchTransformerClassifier(const TransformerView& cfg, int rows, int cols, int num_classes)
      : patch_(cfg.patch_size()), rows_(rows), cols_(cols) {
    const int dim = cfg.embed_dim();
    const int num_patches = (rows / patch_) * (cols / patch_);
    embedding_ = register_module("embedding", torch::nn::Linear(patch_ * patch_, dim));
    positions_ = register_parameter("positions", torch::randn({1, num_patches, dim}) * 0.02);
    for (int i = 0; i < cfg.num_blocks(); ++i) {
      blocks_.push_back(
          register_module(absl::StrFormat("block%d", i), std::make_shared<TransformerBlock>(cfg)));
    }
    final_norm_ =
        register_module("final_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    head_ = register_module("head", torch::nn::Linear(dim, num_classes));
  }

  torch::Tensor forward(torch::Tensor images) override {
    const int64_t batch = images.size(0);
    // [N, 1, R, C] -> [N, R/p, p, C/p, p] -> [N, R/p, C/p, p, p] -> [N, tokens, p*p]
    torch::Tensor patches = images.reshape({batch, rows_ / patch_, patch_, cols_ / patch_, patch_})
                                .permute({0, 1, 3, 2, 4})
                                .reshape({batch, -1, patch_ * patch_});
    torch::Tensor x = embedding_->forward(patches) + positions_;
    for (auto& block : blocks_) x = block->forward(x);
    return head_->forward(final_norm_->forward(x).mean(1));
  }

 private:
  int64_t patch_, rows_, cols_;
  torch::nn::Linear embedding_{nullptr}, head_{nullptr};
  torch::Tensor positions_;
  std::vector<std::shared_ptr<TransformerBlock>> blocks_;
  torch::nn::LayerNorm final_norm_{nullptr};
};

absl::Status CheckMlp(const MlpView& cfg) {
  if (cfg.num_layers() < 0) return absl::InvalidArgumentError("mlp.num_layers must be >= 0");
  if (cfg.num_layers() > 0 && cfg.hidden_dim() <= 0) {
    return absl::InvalidArgumentError("mlp.hidden_dim must be > 0");
  }
  return CheckDropout("mlp.dropout", cfg.dropout());
}

absl::Status CheckConv(const ConvView& cfg, int rows, int cols) {
  if (cfg.channels() <= 0) return absl::InvalidArgumentError("conv.channels must be > 0");
  if (cfg.num_blocks() < 1 || (rows >> cfg.num_blocks()) < 1 || (cols >> cfg.num_blocks()) < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "conv.num_blocks %d: each block halves the %dx%d image; use 1 to %d", cfg.num_blocks(),
        rows, cols, static_cast<int>(std::floor(std::log2(std::min(rows, cols))))));
  }
  if (static_cast<int64_t>(cfg.channels()) << (cfg.num_blocks() - 1) > (1 << 16)) {
    return absl::InvalidArgumentError("conv.channels doubled over conv.num_blocks exceeds 65536");
  }
  return CheckDropout("conv.dropout", cfg.dropout());
}

absl::Status CheckTransformer(const TransformerView& cfg, int rows, int cols) {
  if (cfg.patch_size() <= 0 || rows % cfg.patch_size() != 0 || cols % cfg.patch_size() != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "transformer.patch_size %d does not divide the %dx%d image", cfg.patch_size(), rows, cols));
  }
  if (cfg.embed_dim() <= 0 || cfg.num_heads() <= 0 || cfg.embed_dim() % cfg.num_heads() != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("transformer.num_heads %d does not divide transformer.embed_dim %d",
                        cfg.num_heads(), cfg.embed_dim()));
  }
  if (cfg.num_blocks() < 0 || cfg.ff_channels() <= 0) {
    return absl::InvalidArgumentError(
        "transformer.num_blocks must be >= 0 and transformer.ff_channels > 0");
  }
  return CheckDropout("transformer.dropout", cfg.dropout());
}

}  // namespace

absl::StatusOr<std::shared_ptr<ImageClassifier>> MakeClassifier(const TrainTask& cfg, int rows,
                                                                int cols, int num_classes) {
  TrainTaskView view(cfg);
  switch (view.which_encoder()) {
    case TrainTask::kMlp: {
      if (absl::Status s = CheckMlp(view.mlp()); !s.ok()) return s;
      return std::make_shared<MlpClassifier>(view.mlp(), rows * cols, num_classes);
    }
    case TrainTask::kConv: {
      if (absl::Status s = CheckConv(view.conv(), rows, cols); !s.ok()) return s;
      return std::make_shared<ConvClassifier>(view.conv(), rows, cols, num_classes);
    }
    case TrainTask::kTransformer: {
      if (absl::Status s = CheckTransformer(view.transformer(), rows, cols); !s.ok()) return s;
      return std::make_shared<PatchTransformerClassifier>(view.transformer(), rows, cols,
                                                          num_classes);
    }
    case TrainTask::ENCODER_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(
      "no encoder chosen: set one of encoder.mlp, encoder.conv or encoder.transformer "
      "(e.g. the include `encoders/conv` mounted at `encoder.conv`)");
}

torch::Tensor NormalizeImages(const torch::Tensor& pixels, int rows, int cols) {
  // Fashion-MNIST training set: mean 0.2860, std 0.3530 of pixels / 255.
  constexpr double kMean = 0.2860, kStd = 0.3530;
  return ((pixels.to(torch::kFloat32) / 255.0 - kMean) / kStd).view({-1, 1, rows, cols});
}

}  // namespace runners
