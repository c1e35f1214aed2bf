// Schema helpers: the root message, its task oneof, the includes and refs fields.
#include "heyhi/config/schema.h"

#include <set>
#include <vector>

namespace heyhi {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::OneofDescriptor;

namespace {

// The repeated message field `name` of `type` whose elements have the
// singular string fields `first` and `second`; else null.
const FieldDescriptor* PairListField(const Descriptor* type, const char* name, const char* first,
                                     const char* second) {
  const FieldDescriptor* field = type->FindFieldByName(name);
  if (field == nullptr || !field->is_repeated() || field->is_map() ||
      field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return nullptr;
  }
  for (const char* sub_name : {first, second}) {
    const FieldDescriptor* sub = field->message_type()->FindFieldByName(sub_name);
    if (sub == nullptr || sub->is_repeated() || sub->type() != FieldDescriptor::TYPE_STRING) {
      return nullptr;
    }
  }
  return field;
}

}  // namespace

const FieldDescriptor* IncludesField(const Descriptor* type) {
  return PairListField(type, "includes", "path", "mount");
}

const FieldDescriptor* RefsField(const Descriptor* type) {
  return PairListField(type, "refs", "key", "from");
}

const OneofDescriptor* TaskOneof(const Descriptor* root) {
  const OneofDescriptor* task = root->FindOneofByName("task");
  if (task != nullptr) return task;
  for (int i = 0; i < root->oneof_decl_count(); ++i) {
    if (!root->oneof_decl(i)->is_synthetic()) return root->oneof_decl(i);
  }
  return nullptr;
}

const Descriptor* FindRootMessage(const google::protobuf::FileDescriptor* file,
                                  const std::string& root_name) {
  if (file == nullptr) return nullptr;
  std::vector<const google::protobuf::FileDescriptor*> queue = {file};
  std::set<const google::protobuf::FileDescriptor*> seen = {file};
  for (size_t i = 0; i < queue.size(); ++i) {
    for (int m = 0; m < queue[i]->message_type_count(); ++m) {
      if (queue[i]->message_type(m)->name() == root_name) return queue[i]->message_type(m);
    }
    for (int d = 0; d < queue[i]->dependency_count(); ++d) {
      if (seen.insert(queue[i]->dependency(d)).second) queue.push_back(queue[i]->dependency(d));
    }
  }
  return nullptr;
}

}  // namespace heyhi
