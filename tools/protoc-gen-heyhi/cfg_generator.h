// The protoc plugin's generator: for each x.proto, x.cfg.h with a read-only
// view per message (SPEC §9), plus a doc registration inserted into x.pb.cc.
#ifndef HEYHI_TOOLS_PROTOC_GEN_HEYHI_CFG_GENERATOR_H_
#define HEYHI_TOOLS_PROTOC_GEN_HEYHI_CFG_GENERATOR_H_

#include <cstdint>
#include <string>

#include "google/protobuf/compiler/code_generator.h"

namespace heyhi::codegen {

// Parameters (`--heyhi_opt=...`, comma-separated):
//   no_docs_registry  do not insert the doc registration into x.pb.cc (needed
//                     when protoc runs without --cpp_out before --heyhi_out).
class CfgViewGenerator : public google::protobuf::compiler::CodeGenerator {
 public:
  bool Generate(const google::protobuf::FileDescriptor* file, const std::string& parameter,
                google::protobuf::compiler::GeneratorContext* context,
                std::string* error) const override;

  uint64_t GetSupportedFeatures() const override { return FEATURE_PROTO3_OPTIONAL; }
};

}  // namespace heyhi::codegen

#endif  // HEYHI_TOOLS_PROTOC_GEN_HEYHI_CFG_GENERATOR_H_
