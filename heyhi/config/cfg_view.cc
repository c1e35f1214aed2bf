// Runtime support of the generated config views: the flat forms they share
// with `pp` and the names of chosen oneof cases.
#include "heyhi/cfg_view.h"

#include "heyhi/config/printer.h"

namespace heyhi {

std::vector<std::string> FlatLines(const google::protobuf::Message& msg, bool with_all) {
  return Flatten(msg, with_all);
}

std::string FlatStringWithDefaults(const google::protobuf::Message& msg) {
  std::string out;
  for (const std::string& line : Flatten(msg, /*with_all=*/true)) {
    out += line;
    out += '\n';
  }
  return out;
}

std::string_view ChosenCaseName(const google::protobuf::Message& msg,
                                const google::protobuf::OneofDescriptor* oneof) {
  const google::protobuf::FieldDescriptor* chosen =
      msg.GetReflection()->GetOneofFieldDescriptor(msg, oneof);
  return chosen == nullptr ? std::string_view() : std::string_view(chosen->name());
}

}  // namespace heyhi
