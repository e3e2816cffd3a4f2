// Safe, native reader for the bz2-compressed Python pickles of the official
// NATS-Bench topology archive (protocol 2-5 opcodes; only the object kinds those
// files contain: plain dicts/lists/tuples/sets/scalars, collections.OrderedDict
// and numpy float64 scalars). Anything else is rejected with a PickleError; the
// reader never executes code and never trusts a length it has not checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nasrun::bench {

struct PyValue;
using PyList = std::vector<PyValue>;
using PyDictEntry = std::pair<PyValue, PyValue>;

// A decoded Python value. Containers own their children (shared references in
// the pickle become independent copies); nesting depth is at most
// kMaxPickleDepth.
struct PyValue {
  // Set: Python set (NATS meta.pickle.pbz2 holds an empty `evaluated_indexes`
  // set); its elements are in `items`.
  enum class Kind { None, Bool, Int, Float, String, Bytes, List, Tuple, Dict, Set };
  Kind kind = Kind::None;
  bool b = false;
  std::int64_t i = 0;
  double f = 0;
  std::string s;                                  // String (UTF-8) and Bytes
  std::vector<PyValue> items;                     // List, Tuple and Set
  std::vector<std::pair<PyValue, PyValue>> dict;  // Dict and OrderedDict, insertion order kept

  bool is_none() const { return kind == Kind::None; }
  bool is_number() const { return kind == Kind::Int || kind == Kind::Float; }
  bool is_string() const { return kind == Kind::String; }
  bool is_dict() const { return kind == Kind::Dict; }
  bool is_sequence() const { return kind == Kind::List || kind == Kind::Tuple; }
  // Int or Float as double; throws PickleError naming describe() otherwise.
  double as_double() const;
  // Dict lookups (nullptr when absent or when this is not a Dict).
  const PyValue* find(std::string_view key) const;                  // key 'str'
  const PyValue* find_int(std::int64_t key) const;                  // key int
  const PyValue* find_pair(std::string_view first, std::int64_t second) const;  // key ('str', int)
  // Short description for error messages: "dict of 3 entries", "float", ...
  std::string describe() const;
};

// Name of a kind: "None", "bool", "int", "float", "str", "bytes", "list", "tuple", "dict", "set".
const char* kind_name(PyValue::Kind kind);

class PickleError : public std::runtime_error {
 public:
  using runtime_error::runtime_error;
};

// Output-size limit for bz2_decompress (guards against decompression bombs).
inline constexpr std::size_t kDefaultMaxDecompressed = std::size_t{1} << 30;  // 1 GiB
// Maximum nesting depth of the decoded value (containers inside containers).
inline constexpr std::size_t kMaxPickleDepth = 1000;

// Decompress a whole .bz2 buffer (one or more concatenated bzip2 streams) with
// libbz2. Truncated or corrupt streams, trailing garbage, empty input and
// output beyond max_output are PickleErrors naming `what`.
std::string bz2_decompress(std::string_view compressed, const std::string& what,
                           std::size_t max_output = kDefaultMaxDecompressed);

// Decode one pickle (exactly one, STOP must be the last byte). `what` (usually
// a file path) is named in every error message, with the byte offset and opcode.
PyValue read_pickle(std::string_view bytes, const std::string& what);

// Convenience: read file, bz2-decompress, unpickle. Errors name the path.
PyValue read_pickle_bz2_file(const std::string& path);

}  // namespace nasrun::bench
