// Runtime support of the typed config views that protoc-gen-heyhi writes into
// x.cfg.h (SPEC §9): the view base class and the ranges its getters return.
#ifndef HEYHI_CFG_VIEW_H_
#define HEYHI_CFG_VIEW_H_

#include <cstddef>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "google/protobuf/map.h"
#include "google/protobuf/message.h"
#include "google/protobuf/repeated_field.h"

namespace heyhi {

// `pp --print-flat-all` as one string: each line of Flatten(msg, true)
// followed by '\n'.
std::string FlatStringWithDefaults(const google::protobuf::Message& msg);

// Flatten(msg, with_all), the `pp --print-flat(-all)` lines.
std::vector<std::string> FlatLines(const google::protobuf::Message& msg, bool with_all);

// Name of the chosen member of `oneof` in `msg`; "" when none is chosen.
std::string_view ChosenCaseName(const google::protobuf::Message& msg,
                                const google::protobuf::OneofDescriptor* oneof);

// Name of the value `number` of the enum type `E`.
template <typename E>
std::string_view EnumName(int number) {
  const google::protobuf::EnumValueDescriptor* value =
      google::protobuf::GetEnumDescriptor<E>()->FindValueByNumber(number);
  return value == nullptr ? std::string_view() : std::string_view(value->name());
}

// Base of every generated view: a read-only window on a frozen message that
// outlives the view. Views are cheap to copy (one pointer).
template <typename Msg>
class CfgView {
 public:
  using Message = Msg;

  explicit CfgView(const Msg& msg) : msg_(&msg) {}
  // A view of a temporary would dangle.
  explicit CfgView(const Msg&& msg) = delete;

  // The protobuf message behind the view.
  const Msg& proto() const { return *msg_; }
  // A mutable copy of the message, e.g. to derive a variant config.
  Msg editable() const { return *msg_; }
  // The `key=value` lines of `pp --print-flat` (with_all: `--print-flat-all`).
  std::vector<std::string> to_flat(bool with_all = false) const {
    return FlatLines(*msg_, with_all);
  }
  // The output of `pp --print-flat-all`: every field, defaults included.
  std::string to_str_with_defaults() const { return FlatStringWithDefaults(*msg_); }

 private:
  const Msg* msg_;
};

// A read-only range over `Container` whose elements are passed through the
// stateless functor `Fn` (an enum cast, an enum name, a view constructor).
template <typename Container, typename Fn>
class TransformedRange {
 public:
  using inner_iterator = typename Container::const_iterator;
  using value_type = decltype(Fn()(*std::declval<inner_iterator>()));

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = TransformedRange::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = value_type;

    iterator() = default;
    explicit iterator(inner_iterator it) : it_(it) {}
    value_type operator*() const { return Fn()(*it_); }
    iterator& operator++() {
      ++it_;
      return *this;
    }
    iterator operator++(int) {
      iterator before = *this;
      ++it_;
      return before;
    }
    bool operator==(const iterator& other) const { return it_ == other.it_; }
    bool operator!=(const iterator& other) const { return it_ != other.it_; }

   private:
    inner_iterator it_{};
  };

  explicit TransformedRange(const Container& container) : container_(&container) {}
  iterator begin() const { return iterator(container_->begin()); }
  iterator end() const { return iterator(container_->end()); }
  size_t size() const { return static_cast<size_t>(container_->size()); }
  bool empty() const { return container_->empty(); }
  // Elements by index (repeated fields only; maps have no order).
  value_type operator[](int index) const { return Fn()(container_->Get(index)); }
  std::vector<value_type> to_vector() const { return {begin(), end()}; }

 private:
  const Container* container_;
};

// Functors for TransformedRange.
template <typename E>
struct EnumFromNumber {
  E operator()(int number) const { return static_cast<E>(number); }
};
template <typename E>
struct EnumNameFromNumber {
  std::string_view operator()(int number) const { return EnumName<E>(number); }
};
template <typename Msg, typename View>
struct ViewFromMessage {
  View operator()(const Msg& msg) const { return View(msg); }
};
template <typename Key, typename Msg, typename View>
struct ViewFromMapEntry {
  std::pair<const Key&, View> operator()(
      const typename google::protobuf::Map<Key, Msg>::value_type& entry) const {
    return {entry.first, View(entry.second)};
  }
};

// The range types the generated getters return. They name the message type
// besides the view so that a getter may be declared before its view is
// complete (views of a file may refer to each other in any order).
template <typename E>
using RepeatedEnum = TransformedRange<google::protobuf::RepeatedField<int>, EnumFromNumber<E>>;
template <typename E>
using RepeatedEnumNames =
    TransformedRange<google::protobuf::RepeatedField<int>, EnumNameFromNumber<E>>;
template <typename Msg, typename View>
using RepeatedView =
    TransformedRange<google::protobuf::RepeatedPtrField<Msg>, ViewFromMessage<Msg, View>>;
// Iterates (key, view) pairs in the map's (unspecified) order.
template <typename Key, typename Msg, typename View>
using MapOfViews =
    TransformedRange<google::protobuf::Map<Key, Msg>, ViewFromMapEntry<Key, Msg, View>>;

// A repeated numeric or bool field as a span over its contiguous storage.
template <typename T>
absl::Span<const T> AsSpan(const google::protobuf::RepeatedField<T>& field) {
  return absl::Span<const T>(field.data(), static_cast<size_t>(field.size()));
}

// The value at `key` of a map field, or nullopt.
template <typename Key, typename Value>
std::optional<Value> MapValueAt(const google::protobuf::Map<Key, Value>& map, const Key& key) {
  auto it = map.find(key);
  if (it == map.end()) return std::nullopt;
  return it->second;
}
template <typename Key>
std::optional<std::string_view> MapStringAt(const google::protobuf::Map<Key, std::string>& map,
                                            const Key& key) {
  auto it = map.find(key);
  if (it == map.end()) return std::nullopt;
  return std::string_view(it->second);
}
template <typename Key, typename Msg, typename View>
std::optional<View> MapViewAt(const google::protobuf::Map<Key, Msg>& map, const Key& key) {
  auto it = map.find(key);
  if (it == map.end()) return std::nullopt;
  return View(it->second);
}

}  // namespace heyhi

#endif  // HEYHI_CFG_VIEW_H_
