// Schema helpers: the root message, its task oneof, the includes and refs fields.
#include "heyhi/config/schema.h"

#include <mutex>
#include <set>
#include <unordered_map>
#include <vector>

namespace heyhi {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::OneofDescriptor;

bool IsCompiledIn(const Descriptor* type) {
  // Not generated_pool(): its first call builds descriptor.proto (0.3 ms), which
  // a process composing on a run-time schema never needs.
  return type->file()->pool() == google::protobuf::DescriptorPool::internal_generated_pool();
}

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

struct PairListFields {
  const FieldDescriptor* includes;
  const FieldDescriptor* refs;
};

PairListFields FindPairListFields(const Descriptor* type) {
  return {PairListField(type, "includes", "path", "mount"),
          PairListField(type, "refs", "key", "from")};
}

// The fields of `type`, looked up once per compiled-in type: those
// descriptors live as long as the process, while a run-time pool's may go
// and another take its address.
PairListFields PairListFieldsOf(const Descriptor* type) {
  if (!IsCompiledIn(type)) return FindPairListFields(type);
  static std::mutex* mutex = new std::mutex();
  static auto* known = new std::unordered_map<const Descriptor*, PairListFields>();
  std::lock_guard<std::mutex> lock(*mutex);
  auto it = known->find(type);
  if (it == known->end()) it = known->emplace(type, FindPairListFields(type)).first;
  return it->second;
}

}  // namespace

const FieldDescriptor* IncludesField(const Descriptor* type) {
  return PairListFieldsOf(type).includes;
}

const FieldDescriptor* RefsField(const Descriptor* type) { return PairListFieldsOf(type).refs; }

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
