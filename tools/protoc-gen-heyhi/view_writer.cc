// Writes the read-only view class of one message; see view_writer.h.
#include "view_writer.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "cpp_names.h"
#include "doc_comments.h"
#include "google/protobuf/descriptor.pb.h"

namespace heyhi::codegen {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::OneofDescriptor;
using google::protobuf::compiler::cpp::FieldName;
using google::protobuf::compiler::cpp::QualifiedClassName;
using google::protobuf::compiler::cpp::UnderscoresToCamelCase;

// Names every view inherits from heyhi::CfgView.
constexpr const char* kBaseMembers[] = {"proto",   "editable", "to_flat", "to_str_with_defaults",
                                        "Message", "CfgView",  "kDoc"};

class ViewWriter {
 public:
  ViewWriter(const Descriptor* message, ViewCode* code)
      : message_(message),
        code_(code),
        view_(ViewClassName(message)),
        proto_class_(QualifiedClassName(message)) {
    for (const char* name : kBaseMembers) names_[name] = "heyhi::CfgView";
  }

  absl::Status Write() {
    const std::string doc = DocComment(message_);
    absl::StrAppend(&code_->class_definition, DocAsCppComment(doc, ""),
                    absl::Substitute("class $0 : public ::heyhi::CfgView<$1> {\n public:\n"
                                     "  using CfgView::CfgView;\n"
                                     "  static constexpr const char* kDoc = $2;\n",
                                     view_, proto_class_, CppStringLiteral(doc)));
    for (int i = 0; i < message_->field_count(); ++i) {
      absl::Status status = WriteField(message_->field(i));
      if (!status.ok()) return status;
    }
    for (int i = 0; i < message_->oneof_decl_count(); ++i) {
      // proto3 `optional` fields live in synthetic oneofs of their own.
      if (message_->oneof_decl(i)->is_synthetic()) continue;
      absl::Status status = WriteOneof(message_->oneof_decl(i));
      if (!status.ok()) return status;
    }
    absl::StrAppend(&code_->class_definition, "};\n\n");
    return absl::OkStatus();
  }

 private:
  // Reserves getter `name` for `origin`; two origins for one name is an error.
  absl::Status Reserve(const std::string& name, const std::string& origin) {
    auto [it, inserted] = names_.emplace(name, origin);
    if (inserted) return absl::OkStatus();
    return absl::AlreadyExistsError(absl::Substitute(
        "the view member `$0` of $1 would serve both $2 and $3; rename one of them", name,
        message_->full_name(), it->second, origin));
  }

  void Member(const std::string& code) { absl::StrAppend(&code_->class_definition, code); }

  // The view type of a message-typed value, or "" when it has none.
  std::string ViewOf(const Descriptor* type) {
    if (!HasViews(type->file()) || !HasView(type)) return "";
    if (type->file() != message_->file()) code_->used_files.insert(type->file());
    return QualifiedViewClassName(type);
  }

  // `declaration` in the class and `inline <definition>` after all classes.
  void Deferred(const std::string& return_type, const std::string& name,
                const std::string& parameters, const std::string& body) {
    Member(absl::Substitute("  $0 $1($2) const;\n", return_type, name, parameters));
    absl::StrAppend(&code_->deferred_definitions,
                    absl::Substitute("inline $0 $1::$2($3) const { $4 }\n", return_type, view_,
                                     name, parameters, body));
  }

  absl::Status WriteField(const FieldDescriptor* field) {
    const std::string name = FieldName(field);
    const std::string origin = absl::StrCat("field `", field->name(), "`");
    const std::string doc = DocComment(field);
    const std::string doc_constant =
        absl::StrCat("k", UnderscoresToCamelCase(field->name(), /*cap_next_letter=*/true), "Doc");
    absl::Status status = Reserve(doc_constant, origin);
    if (!status.ok()) return status;
    Member(absl::StrCat("\n", DocAsCppComment(doc, "  ")));
    Member(absl::Substitute("  static constexpr const char* $0 = $1;\n", doc_constant,
                            CppStringLiteral(doc)));
    if (field->is_map()) return WriteMap(field, name, origin);
    if (field->is_repeated()) return WriteRepeated(field, name, origin);
    return WriteSingular(field, name, origin);
  }

  absl::Status WriteSingular(const FieldDescriptor* field, const std::string& name,
                             const std::string& origin) {
    for (const std::string& member : {name, "has_" + name}) {
      absl::Status status = Reserve(member, origin);
      if (!status.ok()) return status;
    }
    const std::string get = absl::StrCat("proto().", name, "()");
    const std::string has = absl::StrCat("proto().has_", name, "()");
    if (field->has_presence())
      Member(absl::Substitute("  bool has_$0() const { return $1; }\n", name, has));
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      const std::string view = ViewOf(field->message_type());
      if (view.empty()) {
        Member(absl::Substitute("  const $0& $1() const { return $2; }\n",
                                QualifiedClassName(field->message_type()), name, get));
      } else {
        Deferred(view, name, "", absl::Substitute("return $0($1);", view, get));
      }
      return absl::OkStatus();
    }
    // Unset and without an explicit default: nullopt, as HeyHi's Optional.
    const bool optional = field->has_presence() && !field->has_default_value();
    const std::string unset = absl::StrCat("\n    if (!", has, ") return std::nullopt;\n    ");
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      if (optional) {
        Member(absl::Substitute(
            "  std::optional<std::string_view> $0() const {$1return std::string_view($2);\n  }\n",
            name, unset, get));
      } else {
        Member(absl::Substitute("  const std::string& $0() const { return $1; }\n", name, get));
      }
      return absl::OkStatus();
    }
    const std::string type = ScalarCppType(field);
    if (optional) {
      Member(absl::Substitute("  std::optional<$0> $1() const {$2return $3;\n  }\n", type, name,
                              unset, get));
    } else {
      Member(absl::Substitute("  $0 $1() const { return $2; }\n", type, name, get));
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_ENUM) return absl::OkStatus();
    absl::Status status = Reserve(name + "_name", origin);
    if (!status.ok()) return status;
    const std::string enum_name = absl::Substitute("::heyhi::EnumName<$0>($1)", type, get);
    if (optional) {
      Member(
          absl::Substitute("  std::optional<std::string_view> $0_name() const {$1return $2;\n  }\n",
                           name, unset, enum_name));
    } else {
      Member(
          absl::Substitute("  std::string_view $0_name() const { return $1; }\n", name, enum_name));
    }
    return absl::OkStatus();
  }

  absl::Status WriteRepeated(const FieldDescriptor* field, const std::string& name,
                             const std::string& origin) {
    for (const std::string& member : {name, name + "_size"}) {
      absl::Status status = Reserve(member, origin);
      if (!status.ok()) return status;
    }
    const std::string get = absl::StrCat("proto().", name, "()");
    Member(absl::Substitute("  int $0_size() const { return proto().$0_size(); }\n", name));
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        const std::string view = ViewOf(field->message_type());
        if (view.empty()) {
          Member(absl::Substitute(
              "  const ::google::protobuf::RepeatedPtrField<$0>& $1() const { return $2; }\n",
              QualifiedClassName(field->message_type()), name, get));
        } else {
          const std::string range = absl::StrCat(
              "::heyhi::RepeatedView<", QualifiedClassName(field->message_type()), ", ", view, ">");
          Deferred(range, name, "", absl::Substitute("return $0($1);", range, get));
        }
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_STRING:
        Member(
            absl::Substitute("  const ::google::protobuf::RepeatedPtrField<std::string>& $0() "
                             "const { return $1; }\n",
                             name, get));
        return absl::OkStatus();
      case FieldDescriptor::CPPTYPE_ENUM: {
        absl::Status status = Reserve(name + "_names", origin);
        if (!status.ok()) return status;
        const std::string type = ScalarCppType(field);
        Member(absl::Substitute(
            "  ::heyhi::RepeatedEnum<$0> $1() const { return ::heyhi::RepeatedEnum<$0>($2); }\n"
            "  ::heyhi::RepeatedEnumNames<$0> $1_names() const {\n"
            "    return ::heyhi::RepeatedEnumNames<$0>($2);\n  }\n",
            type, name, get));
        return absl::OkStatus();
      }
      default:
        Member(
            absl::Substitute("  absl::Span<const $0> $1() const { return ::heyhi::AsSpan($2); }\n",
                             ScalarCppType(field), name, get));
        return absl::OkStatus();
    }
  }

  absl::Status WriteMap(const FieldDescriptor* field, const std::string& name,
                        const std::string& origin) {
    for (const std::string& member : {name, name + "_size", name + "_at"}) {
      absl::Status status = Reserve(member, origin);
      if (!status.ok()) return status;
    }
    const FieldDescriptor* key = field->message_type()->map_key();
    const FieldDescriptor* value = field->message_type()->map_value();
    const std::string key_type = ScalarCppType(key);
    const std::string value_type = ScalarCppType(value);
    const std::string get = absl::StrCat("proto().", name, "()");
    const std::string key_parameter = absl::StrCat("const ", key_type, "& key");
    Member(absl::Substitute("  int $0_size() const { return proto().$0_size(); }\n", name));
    const std::string view =
        value->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE ? ViewOf(value->message_type()) : "";
    if (!view.empty()) {
      const std::string range =
          absl::Substitute("::heyhi::MapOfViews<$0, $1, $2>", key_type, value_type, view);
      Deferred(range, name, "", absl::Substitute("return $0($1);", range, get));
      Deferred(absl::StrCat("std::optional<", view, ">"), name + "_at", key_parameter,
               absl::Substitute("return ::heyhi::MapViewAt<$0, $1, $2>($3, key);", key_type,
                                value_type, view, get));
      return absl::OkStatus();
    }
    Member(absl::Substitute("  const ::google::protobuf::Map<$0, $1>& $2() const { return $3; }\n",
                            key_type, value_type, name, get));
    if (value->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      Member(
          absl::Substitute("  std::optional<std::string_view> $0_at($1) const {\n"
                           "    return ::heyhi::MapStringAt($2, key);\n  }\n",
                           name, key_parameter, get));
    } else {
      Member(absl::Substitute(
          "  std::optional<$0> $1_at($2) const { return ::heyhi::MapValueAt($3, key); }\n",
          value_type, name, key_parameter, get));
    }
    return absl::OkStatus();
  }

  absl::Status WriteOneof(const OneofDescriptor* oneof) {
    const std::string origin = absl::StrCat("oneof `", oneof->name(), "`");
    const std::string doc_constant =
        absl::StrCat("k", UnderscoresToCamelCase(oneof->name(), /*cap_next_letter=*/true), "Doc");
    for (const std::string& member :
         {doc_constant, "which_" + oneof->name(), "which_" + oneof->name() + "_name"}) {
      absl::Status status = Reserve(member, origin);
      if (!status.ok()) return status;
    }
    const std::string doc = DocComment(oneof);
    std::string cases;
    for (int i = 0; i < oneof->field_count(); ++i) {
      absl::StrAppend(&cases, i == 0 ? "" : ", ", oneof->field(i)->name());
    }
    Member(absl::StrCat("\n", DocAsCppComment(doc, "  "), "  // oneof ", oneof->name(), ": ", cases,
                        ".\n"));
    Member(absl::Substitute(
        "  static constexpr const char* $0 = $1;\n"
        "  // The chosen case ($2::$3_NOT_SET when none).\n"
        "  $2::$4Case which_$5() const { return proto().$5_case(); }\n"
        "  // The chosen case's field name; \"\" when none.\n"
        "  std::string_view which_$5_name() const {\n"
        "    return ::heyhi::ChosenCaseName(proto(), $2::descriptor()->oneof_decl($6));\n"
        "  }\n",
        doc_constant, CppStringLiteral(doc), proto_class_, absl::AsciiStrToUpper(oneof->name()),
        UnderscoresToCamelCase(oneof->name(), /*cap_next_letter=*/true), oneof->name(),
        oneof->index()));
    return absl::OkStatus();
  }

  const Descriptor* message_;
  ViewCode* code_;
  const std::string view_;
  const std::string proto_class_;
  std::map<std::string, std::string> names_;  // view member -> what it serves
};

}  // namespace

bool HasViews(const google::protobuf::FileDescriptor* file) {
  return !absl::StartsWith(file->name(), "google/protobuf/");
}

bool HasView(const Descriptor* message) { return !message->options().map_entry(); }

absl::Status WriteView(const Descriptor* message, ViewCode* code) {
  return ViewWriter(message, code).Write();
}

}  // namespace heyhi::codegen
