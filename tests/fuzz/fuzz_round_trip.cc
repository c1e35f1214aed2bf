// libFuzzer target: the flat round trip as a user does it. The input chooses a message
// (TestAllKindsTask, MetaCfg or TrainTask of proto/conf.proto) field by field: any bytes in
// strings and map keys, NaN, infinities, -0 and subnormal floats, min and max integers, every enum
// value, present empty messages, oneof members, list elements and map entries. Its --print-flat
// lines (Flatten), read back as a shell reads them (ShellUnquote; for one input in eight also a
// real /bin/sh), applied by ApplyOverrides to an empty message, must rebuild it exactly (NaN equal
// to NaN); otherwise the target aborts with the lines printed.
#include <fuzzer/FuzzedDataProvider.h>
#include <stddef.h>
#include <stdint.h>

#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "conf.pb.h"
#include "fuzz_support.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/stubs/logging.h"
#include "heyhi/print.h"

namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Messages nest at most this deep (TestAgent is recursive).
constexpr int kMaxDepth = 6;

// Texts that mean something to overrides, paths or shells.
constexpr const char* kSpecialTexts[] = {
    "",     "NULL", "SELECT", "null",  "[]",   "[1, 2]", "-1",  "0", "a.b", ".",   "=",  "a=b",
    "I",    "Ix",   "-",      "--x=y", "'",    "\"",     "\\",  " ", "\n",  "$x",  "*",  "~",
    "#",    "!",    "a b",    "é",     "\xff", "inf",    "nan", "{", "}",   "..",  "a.", ".a",
    "true", "1e5",  "0x10",   "+1",    "-0",   "%",      "@",   ",", ":",   "a,b", "/",  "0.5"};

std::string Text(FuzzedDataProvider& in) {
  if (in.ConsumeBool()) {
    return kSpecialTexts[in.ConsumeIntegralInRange<size_t>(0, std::size(kSpecialTexts) - 1)];
  }
  return in.ConsumeRandomLengthString(48);
}

template <typename T>
T Integer(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 7)) {
    case 0:
      return std::numeric_limits<T>::min();
    case 1:
      return std::numeric_limits<T>::max();
    case 2:
      return 0;
    case 3:
      return static_cast<T>(-1);
    case 4:
      return static_cast<T>(in.ConsumeIntegralInRange<int>(-20, 20));
    default:
      return in.ConsumeIntegral<T>();
  }
}

// Special values, or any bit pattern (every NaN payload, every subnormal).
template <typename T, typename Bits>
T Real(FuzzedDataProvider& in) {
  using L = std::numeric_limits<T>;
  const T specials[] = {0,
                        -T(0),
                        L::infinity(),
                        -L::infinity(),
                        L::quiet_NaN(),
                        -L::quiet_NaN(),
                        L::signaling_NaN(),
                        L::min(),
                        L::denorm_min(),
                        -L::denorm_min(),
                        L::max(),
                        L::lowest(),
                        L::epsilon(),
                        T(0.1),
                        T(1e-7),
                        T(123456789),
                        T(-2.5)};
  if (in.ConsumeBool())
    return specials[in.ConsumeIntegralInRange<size_t>(0, std::size(specials) - 1)];
  const Bits bits = in.ConsumeIntegral<Bits>();
  T value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

const google::protobuf::EnumValueDescriptor* EnumValue(FuzzedDataProvider& in,
                                                       const EnumDescriptor* type) {
  return type->value(in.ConsumeIntegralInRange<int>(0, type->value_count() - 1));
}

void Fill(FuzzedDataProvider& in, Message* msg, int depth);

// Sets (or, for a repeated field, appends) one value of `field`.
void SetOne(FuzzedDataProvider& in, Message* msg, const FieldDescriptor* field, int depth) {
  const Reflection* r = msg->GetReflection();
  const bool add = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      const int32_t v = Integer<int32_t>(in);
      add ? r->AddInt32(msg, field, v) : r->SetInt32(msg, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      const int64_t v = Integer<int64_t>(in);
      add ? r->AddInt64(msg, field, v) : r->SetInt64(msg, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      const uint32_t v = Integer<uint32_t>(in);
      add ? r->AddUInt32(msg, field, v) : r->SetUInt32(msg, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      const uint64_t v = Integer<uint64_t>(in);
      add ? r->AddUInt64(msg, field, v) : r->SetUInt64(msg, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      const float v = Real<float, uint32_t>(in);
      add ? r->AddFloat(msg, field, v) : r->SetFloat(msg, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      const double v = Real<double, uint64_t>(in);
      add ? r->AddDouble(msg, field, v) : r->SetDouble(msg, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      const bool v = in.ConsumeBool();
      add ? r->AddBool(msg, field, v) : r->SetBool(msg, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* v = EnumValue(in, field->enum_type());
      add ? r->AddEnum(msg, field, v) : r->SetEnum(msg, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      const std::string v = Text(in);
      add ? r->AddString(msg, field, v) : r->SetString(msg, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      if (depth >= kMaxDepth) return;
      Message* sub = add ? r->AddMessage(msg, field) : r->MutableMessage(msg, field);
      if (field->is_map()) {
        // A map entry: key and value (map values are message or scalar fields).
        const Descriptor* entry = field->message_type();
        SetOne(in, sub, entry->map_key(), depth + 1);
        if (in.ConsumeIntegralInRange<int>(0, 3) != 0)
          SetOne(in, sub, entry->map_value(), depth + 1);
      } else if (in.ConsumeBool()) {
        Fill(in, sub, depth + 1);  // else present and empty
      }
      break;
    }
  }
}

void Fill(FuzzedDataProvider& in, Message* msg, int depth) {
  const Descriptor* type = msg->GetDescriptor();
  const int fields = in.ConsumeIntegralInRange<int>(0, depth == 0 ? 32 : 6);
  for (int i = 0; i < fields && in.remaining_bytes() > 0; ++i) {
    SetOne(in, msg, type->field(in.ConsumeIntegralInRange<int>(0, type->field_count() - 1)), depth);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Protobuf logs every string field that is not UTF-8 on serializing; any
  // bytes are what this target is after.
  static const bool quiet = (google::protobuf::SetLogHandler(nullptr), true);
  (void)quiet;
  FuzzedDataProvider in(data, size);
  // A real shell for one input in eight, chosen by the input (reproducible).
  const bool through_shell = size > 0 && data[size - 1] % 8 == 0;
  std::unique_ptr<Message> msg;
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      msg = std::make_unique<MetaCfg>();
      break;
    case 1:
      msg = std::make_unique<TrainTask>();
      break;
    default:
      msg = std::make_unique<TestAllKindsTask>();
      break;
  }
  Fill(in, msg.get(), 0);
  // Map entries set through reflection may repeat a key; a real map (as the
  // text parser makes) keeps the last one: serializing and parsing does that.
  const std::string wire = msg->SerializeAsString();
  msg->Clear();
  if (!msg->ParseFromString(wire)) abort();
  heyhi::Flatten(*msg, /*with_all=*/true);
  heyhi::fuzz::CheckRoundTrip(*msg, through_shell);
  return 0;
}
