// protoc-gen-heyhi: the protoc plugin behind `make protos`. Run as
//   protoc --cpp_out=OUT --heyhi_out=OUT --plugin=protoc-gen-heyhi=PATH x.proto
// it writes OUT/x.cfg.h (typed read-only config views) beside OUT/x.pb.h.
#include "cfg_generator.h"
#include "google/protobuf/compiler/plugin.h"

int main(int argc, char* argv[]) {
  heyhi::codegen::CfgViewGenerator generator;
  return google::protobuf::compiler::PluginMain(argc, argv, &generator);
}
