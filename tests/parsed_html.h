// An HTML page parsed by libxml2's HTML parser and queried by XPath, for the
// tests of the grid report. Inline SVG elements are plain elements there
// (no namespace): //svg, //path[@class='series'].
#ifndef HEYHI_TESTS_PARSED_HTML_H_
#define HEYHI_TESTS_PARSED_HTML_H_

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace heyhi {

class ParsedHtml {
 public:
  explicit ParsedHtml(const std::string& text)
      : doc_(htmlReadMemory(text.data(), static_cast<int>(text.size()), "page.html", "UTF-8",
                            HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING)) {
    if (doc_ != nullptr) context_ = xmlXPathNewContext(doc_);
  }
  ~ParsedHtml() {
    if (context_ != nullptr) xmlXPathFreeContext(context_);
    if (doc_ != nullptr) xmlFreeDoc(doc_);
  }
  ParsedHtml(const ParsedHtml&) = delete;
  ParsedHtml& operator=(const ParsedHtml&) = delete;

  bool ok() const { return doc_ != nullptr && context_ != nullptr; }

  // The text of each node `xpath` selects: an attribute's value, an
  // element's text content.
  std::vector<std::string> Strings(const std::string& xpath) const {
    std::vector<std::string> out;
    if (context_ == nullptr) return out;
    xmlXPathObjectPtr result = xmlXPathEvalExpression(BAD_CAST xpath.c_str(), context_);
    if (result == nullptr) {
      ADD_FAILURE() << "bad XPath " << xpath;
      return out;
    }
    if (result->nodesetval != nullptr) {
      for (int i = 0; i < result->nodesetval->nodeNr; ++i) {
        xmlChar* content = xmlNodeGetContent(result->nodesetval->nodeTab[i]);
        out.emplace_back(content == nullptr ? "" : reinterpret_cast<const char*>(content));
        xmlFree(content);
      }
    }
    xmlXPathFreeObject(result);
    return out;
  }

  size_t Count(const std::string& xpath) const { return Strings(xpath).size(); }

 private:
  htmlDocPtr doc_ = nullptr;
  xmlXPathContextPtr context_ = nullptr;
};

}  // namespace heyhi

#endif  // HEYHI_TESTS_PARSED_HTML_H_
