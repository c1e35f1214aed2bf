// Doc comments of compiled-in schemas, by full name ("TrainTask.batch_size").
//
// Generated descriptors drop the .proto's comments, so protoc-gen-heyhi inserts
// into every x.pb.cc a static registration of the comments of x.proto's
// messages, fields, oneofs, enums and enum values. Header-only and std-only on
// purpose: the generated proto libraries include it without linking heyhi.
#ifndef HEYHI_SCHEMA_DOCS_H_
#define HEYHI_SCHEMA_DOCS_H_

#include <cctype>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>

namespace heyhi {

// The registry. Filled during static initialization, read-only afterwards.
inline std::map<std::string, std::string, std::less<>>& SchemaDocRegistry() {
  static auto* registry = new std::map<std::string, std::string, std::less<>>();
  return *registry;
}

// Adds (full name, doc) pairs; returns true so that it can initialize a static.
inline bool RegisterSchemaDocs(std::initializer_list<std::pair<const char*, const char*>> docs) {
  for (const auto& [name, doc] : docs) SchemaDocRegistry()[name] = doc;
  return true;
}

// The registered doc of `full_name`, or "" when none was registered.
inline std::string RegisteredSchemaDoc(const std::string& full_name) {
  const auto& registry = SchemaDocRegistry();
  auto it = registry.find(full_name);
  return it == registry.end() ? std::string() : it->second;
}

// A .proto comment as a doc string: the comment markers' single leading space
// removed from every line, blank lines at both ends dropped, lines joined by
// '\n' without a trailing one.
inline std::string CleanDocComment(const std::string& comment) {
  std::string out;
  size_t start = 0;
  while (start <= comment.size()) {
    size_t end = comment.find('\n', start);
    if (end == std::string::npos) end = comment.size();
    std::string line = comment.substr(start, end - start);
    if (!line.empty() && line[0] == ' ') line.erase(0, 1);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) {
      line.pop_back();
    }
    if (!out.empty() || !line.empty()) {
      out += line;
      out += '\n';
    }
    start = end + 1;
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace heyhi

#endif  // HEYHI_SCHEMA_DOCS_H_
