#include "bench/pickle_reader.hpp"

#include <bzlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <unordered_map>

namespace nasrun::bench {

// ---------------------------------------------------------------------------
// PyValue helpers

const char* kind_name(PyValue::Kind kind) {
  switch (kind) {
    case PyValue::Kind::None: return "None";
    case PyValue::Kind::Bool: return "bool";
    case PyValue::Kind::Int: return "int";
    case PyValue::Kind::Float: return "float";
    case PyValue::Kind::String: return "str";
    case PyValue::Kind::Bytes: return "bytes";
    case PyValue::Kind::List: return "list";
    case PyValue::Kind::Tuple: return "tuple";
    case PyValue::Kind::Dict: return "dict";
    case PyValue::Kind::Set: return "set";
  }
  return "?";
}

double PyValue::as_double() const {
  if (kind == Kind::Int) return static_cast<double>(i);
  if (kind == Kind::Float) return f;
  throw PickleError("expected a number, got " + describe());
}

const PyValue* PyValue::find(std::string_view key) const {
  if (kind != Kind::Dict) return nullptr;
  for (const auto& e : dict)
    if (e.first.kind == Kind::String && e.first.s == key) return &e.second;
  return nullptr;
}

const PyValue* PyValue::find_int(std::int64_t key) const {
  if (kind != Kind::Dict) return nullptr;
  for (const auto& e : dict)
    if (e.first.kind == Kind::Int && e.first.i == key) return &e.second;
  return nullptr;
}

const PyValue* PyValue::find_pair(std::string_view first, std::int64_t second) const {
  if (kind != Kind::Dict) return nullptr;
  for (const auto& e : dict) {
    const PyValue& k = e.first;
    if (k.kind == Kind::Tuple && k.items.size() == 2 && k.items[0].kind == Kind::String &&
        k.items[0].s == first && k.items[1].kind == Kind::Int && k.items[1].i == second)
      return &e.second;
  }
  return nullptr;
}

std::string PyValue::describe() const {
  switch (kind) {
    case Kind::String: {
      std::string out = "str '";
      if (s.size() <= 40) {
        out += s;
      } else {
        out += s.substr(0, 37);
        out += "...";
      }
      return out + "'";
    }
    case Kind::Bytes: return "bytes of length " + std::to_string(s.size());
    case Kind::List: return "list of " + std::to_string(items.size()) + " items";
    case Kind::Tuple: return "tuple of " + std::to_string(items.size()) + " items";
    case Kind::Set: return "set of " + std::to_string(items.size()) + " items";
    case Kind::Dict: return "dict of " + std::to_string(dict.size()) + " entries";
    default: return kind_name(kind);
  }
}

// ---------------------------------------------------------------------------
// bz2

namespace {

struct Bz2Stream {
  bz_stream strm{};
  bool active = false;
  ~Bz2Stream() {
    if (active) BZ2_bzDecompressEnd(&strm);
  }
  void end() {
    if (active) BZ2_bzDecompressEnd(&strm);
    active = false;
  }
};

const char* bz2_error_text(int rc) {
  switch (rc) {
    case BZ_DATA_ERROR: return "corrupt data (checksum or format error)";
    case BZ_DATA_ERROR_MAGIC: return "not bzip2 data (bad magic)";
    case BZ_MEM_ERROR: return "out of memory";
    case BZ_PARAM_ERROR: return "parameter error";
    case BZ_CONFIG_ERROR: return "libbz2 configuration error";
    default: return "unexpected libbz2 error";
  }
}

}  // namespace

std::string bz2_decompress(std::string_view compressed, const std::string& what,
                           std::size_t max_output) {
  if (compressed.empty()) throw PickleError(what + ": bz2 data is empty");
  std::string out;
  std::size_t in_pos = 0;
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  while (in_pos < compressed.size()) {
    const std::size_t stream_start = in_pos;
    if (stream_start > 0) {
      // Only another complete bzip2 stream may follow a finished one.
      const std::string_view rest = compressed.substr(in_pos);
      if (rest.size() < 3 || rest.substr(0, 3) != "BZh")
        throw PickleError(what + ": " + std::to_string(rest.size()) +
                          " bytes of trailing garbage after the bz2 stream at offset " +
                          std::to_string(in_pos));
    }
    Bz2Stream z;
    const int init = BZ2_bzDecompressInit(&z.strm, 0, 0);
    if (init != BZ_OK)
      throw PickleError(what + ": cannot initialise bz2 decompressor: " + bz2_error_text(init));
    z.active = true;
    bool stream_end = false;
    while (!stream_end) {
      if (z.strm.avail_in == 0 && in_pos < compressed.size()) {
        const std::size_t n =
            std::min<std::size_t>(compressed.size() - in_pos, static_cast<std::size_t>(UINT_MAX));
        // libbz2 does not write through next_in; the cast only satisfies its C API.
        z.strm.next_in = const_cast<char*>(compressed.data() + in_pos);
        z.strm.avail_in = static_cast<unsigned int>(n);
        in_pos += n;
      }
      if (out.size() >= max_output)
        throw PickleError(what + ": bz2 data decompresses to more than " +
                          std::to_string(max_output) + " bytes");
      const std::size_t room = std::min(kChunk, max_output - out.size());
      const std::size_t old = out.size();
      out.resize(old + room);
      z.strm.next_out = &out[old];
      z.strm.avail_out = static_cast<unsigned int>(room);
      const unsigned int in_before = z.strm.avail_in;
      const int rc = BZ2_bzDecompress(&z.strm);
      const std::size_t produced = room - z.strm.avail_out;
      out.resize(old + produced);
      if (rc == BZ_STREAM_END) {
        stream_end = true;
      } else if (rc != BZ_OK) {
        throw PickleError(what + ": bz2 decompression failed: " + bz2_error_text(rc));
      } else if (produced == 0 && z.strm.avail_in == in_before && z.strm.avail_in == 0 &&
                 in_pos >= compressed.size()) {
        throw PickleError(what + ": bz2 stream is truncated (input ended before end of stream)");
      } else if (produced == 0 && z.strm.avail_in == in_before && z.strm.avail_in != 0) {
        throw PickleError(what + ": bz2 decompressor made no progress");
      }
    }
    // Give back unconsumed input to the outer loop.
    in_pos -= z.strm.avail_in;
    z.end();
    if (in_pos == stream_start)  // cannot happen for a valid stream; avoids looping forever
      throw PickleError(what + ": empty bz2 stream");
  }
  return out;
}

// ---------------------------------------------------------------------------
// Unpickler

namespace {

// Internal object kinds. The first ten mirror PyValue::Kind; the rest exist only
// while unpickling and may not appear in the result.
enum class NK : std::uint8_t {
  None, Bool, Int, Float, String, Bytes, List, Tuple, Dict, Set,
  GlobalOrderedDict, GlobalScalar, GlobalDtype, Dtype
};

bool is_plain(NK k) { return k <= NK::Set; }

const char* nk_name(NK k) {
  switch (k) {
    case NK::GlobalOrderedDict: return "collections.OrderedDict class";
    case NK::GlobalScalar: return "numpy.core.multiarray.scalar function";
    case NK::GlobalDtype: return "numpy.dtype class";
    case NK::Dtype: return "numpy.dtype object";
    default: return kind_name(static_cast<PyValue::Kind>(k));
  }
}

struct Node {
  NK kind = NK::None;
  bool b = false;       // Bool value; for Dtype: BUILD state applied
  std::int64_t i = 0;   // Int value
  double f = 0;         // Float value
  std::string s;        // String / Bytes
  std::vector<std::uint32_t> items;                              // List / Tuple / Set
  std::vector<std::pair<std::uint32_t, std::uint32_t>> entries;  // Dict
  std::int64_t hash_id = -1;  // -1: not computed, -2: unhashable, else interned value id
};

constexpr std::int64_t kUnhashable = -2;
constexpr std::int64_t kNotComputed = -1;

const char* opcode_name(unsigned char op) {
  switch (op) {
    case '(': return "MARK";
    case '.': return "STOP";
    case '0': return "POP";
    case '1': return "POP_MARK";
    case '2': return "DUP";
    case 'F': return "FLOAT";
    case 'I': return "INT";
    case 'J': return "BININT";
    case 'K': return "BININT1";
    case 'L': return "LONG";
    case 'M': return "BININT2";
    case 'N': return "NONE";
    case 'P': return "PERSID";
    case 'Q': return "BINPERSID";
    case 'R': return "REDUCE";
    case 'S': return "STRING";
    case 'T': return "BINSTRING";
    case 'U': return "SHORT_BINSTRING";
    case 'V': return "UNICODE";
    case 'X': return "BINUNICODE";
    case 'a': return "APPEND";
    case 'b': return "BUILD";
    case 'c': return "GLOBAL";
    case 'd': return "DICT";
    case '}': return "EMPTY_DICT";
    case 'e': return "APPENDS";
    case 'g': return "GET";
    case 'h': return "BINGET";
    case 'i': return "INST";
    case 'j': return "LONG_BINGET";
    case 'l': return "LIST";
    case ']': return "EMPTY_LIST";
    case 'o': return "OBJ";
    case 'p': return "PUT";
    case 'q': return "BINPUT";
    case 'r': return "LONG_BINPUT";
    case 's': return "SETITEM";
    case 't': return "TUPLE";
    case ')': return "EMPTY_TUPLE";
    case 'u': return "SETITEMS";
    case 'G': return "BINFLOAT";
    case 0x80: return "PROTO";
    case 0x81: return "NEWOBJ";
    case 0x82: return "EXT1";
    case 0x83: return "EXT2";
    case 0x84: return "EXT4";
    case 0x85: return "TUPLE1";
    case 0x86: return "TUPLE2";
    case 0x87: return "TUPLE3";
    case 0x88: return "NEWTRUE";
    case 0x89: return "NEWFALSE";
    case 0x8a: return "LONG1";
    case 0x8b: return "LONG4";
    case 'B': return "BINBYTES";
    case 'C': return "SHORT_BINBYTES";
    case 0x8c: return "SHORT_BINUNICODE";
    case 0x8d: return "BINUNICODE8";
    case 0x8e: return "BINBYTES8";
    case 0x8f: return "EMPTY_SET";
    case 0x90: return "ADDITEMS";
    case 0x91: return "FROZENSET";
    case 0x92: return "NEWOBJ_EX";
    case 0x93: return "STACK_GLOBAL";
    case 0x94: return "MEMOIZE";
    case 0x95: return "FRAME";
    case 0x96: return "BYTEARRAY8";
    case 0x97: return "NEXT_BUFFER";
    case 0x98: return "READONLY_BUFFER";
    default: return "unknown";
  }
}

std::string hex2(unsigned char c) {
  static const char* digits = "0123456789abcdef";
  std::string out = "0x";
  out += digits[c >> 4];
  out += digits[c & 15];
  return out;
}

// "'c' GLOBAL" or "'\x93' STACK_GLOBAL"
std::string opcode_label(unsigned char op) {
  std::string out = "'";
  if (op >= 0x20 && op < 0x7f) {
    out += static_cast<char>(op);
  } else {
    out += "\\x";
    out += hex2(op).substr(2);
  }
  out += "' ";
  out += opcode_name(op);
  return out;
}

// Strict UTF-8 check; surrogate code points are accepted because Python's
// pickle decodes with 'surrogatepass'.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) return false;
    i += len;
  }
  return true;
}

class Unpickler {
 public:
  Unpickler(std::string_view data, const std::string& what) : data_(data), what_(what) {}

  PyValue run();

 private:
  // ---- errors
  [[noreturn]] void fail(const std::string& detail) const {
    throw PickleError(what_ + ": " + detail + " (opcode " + hex2(op_) + " " + opcode_label(op_) +
                      " at offset " + std::to_string(op_pos_) + ")");
  }

  // ---- input
  std::size_t remaining() const { return data_.size() - pos_; }
  void need(std::size_t n, const char* for_what) const {
    if (n > remaining())
      fail(std::string("truncated pickle: ") + for_what + " needs " + std::to_string(n) +
           " bytes but only " + std::to_string(remaining()) + " remain");
  }
  std::uint64_t read_le(std::size_t n, const char* for_what) {
    need(n, for_what);
    std::uint64_t v = 0;
    for (std::size_t k = 0; k < n; ++k)
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(data_[pos_ + k])) << (8 * k);
    pos_ += n;
    return v;
  }
  std::string_view read_bytes(std::uint64_t n, const char* for_what) {
    if (n > remaining())
      fail(std::string("truncated pickle: ") + for_what + " of length " + std::to_string(n) +
           " but only " + std::to_string(remaining()) + " bytes remain");
    const std::string_view out = data_.substr(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return out;
  }
  std::string_view read_line(const char* for_what) {
    const std::size_t nl = data_.find('\n', pos_);
    if (nl == std::string_view::npos)
      fail(std::string("truncated pickle: ") + for_what + " has no terminating newline");
    const std::string_view out = data_.substr(pos_, nl - pos_);
    pos_ = nl + 1;
    return out;
  }

  // ---- objects
  std::uint32_t make(NK kind) {
    if (nodes_.size() >= std::numeric_limits<std::uint32_t>::max()) fail("too many objects");
    nodes_.emplace_back();
    nodes_.back().kind = kind;
    return static_cast<std::uint32_t>(nodes_.size() - 1);
  }
  std::uint32_t make_int(std::int64_t v) {
    const std::uint32_t id = make(NK::Int);
    nodes_[id].i = v;
    return id;
  }

  // ---- stack (Python keeps a separate stack per MARK level; marks_ holds the
  // flat-stack size at each MARK, so only items above the last mark are visible)
  std::size_t base() const { return marks_.empty() ? 0 : marks_.back(); }
  std::size_t visible() const { return stack_.size() - base(); }
  void push(std::uint32_t id) { stack_.push_back(id); }
  std::uint32_t pop() {
    if (visible() == 0) fail(marks_.empty() ? "stack underflow" : "stack underflow (would pop a MARK)");
    const std::uint32_t id = stack_.back();
    stack_.pop_back();
    return id;
  }
  std::uint32_t top() const {
    if (visible() == 0) fail(marks_.empty() ? "stack underflow" : "stack underflow (top is a MARK)");
    return stack_.back();
  }
  // Pops everything down to the last MARK; returns the items in push order.
  std::vector<std::uint32_t> pop_mark() {
    if (marks_.empty()) fail("no MARK on the stack");
    const std::size_t m = marks_.back();
    marks_.pop_back();
    std::vector<std::uint32_t> items(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
    stack_.resize(m);
    return items;
  }

  void require_plain(std::uint32_t id, const char* where) const {
    if (!is_plain(nodes_[id].kind))
      fail(std::string("a ") + nk_name(nodes_[id].kind) + " cannot be stored in a " + where);
  }

  // Interned identity of a hashable value: equal Python values (1 == 1.0 ==
  // True, equal strings, equal tuples) get equal ids.
  std::int64_t hash_id(std::uint32_t id);
  std::uint32_t key_id(std::uint32_t id, const char* where) {
    const std::int64_t h = hash_id(id);
    if (h < 0) fail(std::string("unhashable ") + nk_name(nodes_[id].kind) + " used as " + where);
    return static_cast<std::uint32_t>(h);
  }

  void dict_set(std::uint32_t dict, std::uint32_t key, std::uint32_t value);
  void set_add(std::uint32_t set, std::uint32_t item);
  std::uint32_t target(NK kind, const char* op_desc);

  void do_global(std::string_view module, std::string_view name);
  void do_reduce();
  void do_build();

  PyValue convert(std::uint32_t root);

  std::string_view data_;
  const std::string& what_;
  std::size_t pos_ = 0;
  std::size_t op_pos_ = 0;
  unsigned char op_ = 0;

  std::vector<Node> nodes_;
  std::vector<std::uint32_t> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint32_t, std::uint32_t> memo_;
  std::unordered_map<std::string, std::uint32_t> interned_;
  std::unordered_map<std::uint64_t, std::uint32_t> index_;  // (container << 32 | key id) -> position
};

std::int64_t Unpickler::hash_id(std::uint32_t id) {
  Node& n = nodes_[id];
  if (n.hash_id != kNotComputed) return n.hash_id;
  std::string key;
  auto put_int = [&key](char tag, std::uint64_t v) {
    key += tag;
    for (int k = 0; k < 8; ++k) key += static_cast<char>((v >> (8 * k)) & 0xff);
  };
  switch (n.kind) {
    case NK::None: key = "N"; break;
    case NK::Bool: put_int('I', n.b ? 1 : 0); break;
    case NK::Int: put_int('I', static_cast<std::uint64_t>(n.i)); break;
    case NK::Float: {
      const double f = n.f;
      if (std::isnan(f)) fail("NaN used as a dict key or set element is not supported");
      if (f == std::floor(f) && f >= -9223372036854775808.0 && f < 9223372036854775808.0) {
        put_int('I', static_cast<std::uint64_t>(static_cast<std::int64_t>(f)));
      } else {
        std::uint64_t bits;
        std::memcpy(&bits, &f, sizeof bits);
        put_int('F', bits);
      }
      break;
    }
    case NK::String: key = "S"; key += n.s; break;
    case NK::Bytes: key = "B"; key += n.s; break;
    case NK::Tuple:
      // Tuples get their id when they are created (children are complete then),
      // so this branch only runs from make_tuple and never recurses deeper
      // than one level.
      key = "T";
      for (const std::uint32_t child : n.items) {
        const Node& c = nodes_[child];
        std::int64_t h = c.hash_id;
        if (h == kNotComputed) {
          if (c.kind == NK::Tuple) {
            h = kUnhashable;  // defensive: every tuple is hashed at creation
          } else if (c.kind == NK::Float && std::isnan(c.f)) {
            h = kUnhashable;
          } else {
            h = hash_id(child);  // scalar or non-hashable kind: no recursion beyond this level
          }
        }
        if (h < 0) {
          nodes_[id].hash_id = kUnhashable;
          return kUnhashable;
        }
        put_int('#', static_cast<std::uint64_t>(h));
      }
      break;
    default:
      n.hash_id = kUnhashable;
      return kUnhashable;
  }
  const auto it = interned_.emplace(std::move(key), static_cast<std::uint32_t>(interned_.size())).first;
  nodes_[id].hash_id = it->second;
  return it->second;
}

void Unpickler::dict_set(std::uint32_t dict, std::uint32_t key, std::uint32_t value) {
  require_plain(key, "dict key");
  require_plain(value, "dict");
  const std::uint32_t kid = key_id(key, "dict key");
  const std::uint64_t slot = (static_cast<std::uint64_t>(dict) << 32) | kid;
  auto& entries = nodes_[dict].entries;
  const auto it = index_.find(slot);
  if (it != index_.end()) {
    entries[it->second].second = value;  // Python keeps the first key and position
  } else {
    index_.emplace(slot, static_cast<std::uint32_t>(entries.size()));
    entries.emplace_back(key, value);
  }
}

void Unpickler::set_add(std::uint32_t set, std::uint32_t item) {
  require_plain(item, "set");
  const std::uint32_t kid = key_id(item, "set element");
  const std::uint64_t slot = (static_cast<std::uint64_t>(set) << 32) | kid;
  auto& items = nodes_[set].items;
  if (index_.emplace(slot, static_cast<std::uint32_t>(items.size())).second) items.push_back(item);
}

// The container an APPEND/SETITEM-style opcode modifies: the top of the stack.
std::uint32_t Unpickler::target(NK kind, const char* op_desc) {
  const std::uint32_t t = top();
  if (nodes_[t].kind != kind)
    fail(std::string(op_desc) + " needs a " + nk_name(kind) + " but the stack holds a " +
         nk_name(nodes_[t].kind));
  return t;
}

void Unpickler::do_global(std::string_view module, std::string_view name) {
  NK kind;
  if (module == "collections" && name == "OrderedDict") {
    kind = NK::GlobalOrderedDict;
  } else if (module == "numpy.core.multiarray" && name == "scalar") {
    kind = NK::GlobalScalar;
  } else if (module == "numpy" && name == "dtype") {
    kind = NK::GlobalDtype;
  } else {
    std::string shown = std::string(module) + "." + std::string(name);
    if (shown.size() > 200) shown = shown.substr(0, 200) + "...";
    for (char& c : shown)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    fail("global '" + shown +
         "' is not allowed; only collections.OrderedDict, numpy.core.multiarray.scalar and "
         "numpy.dtype are accepted");
  }
  push(make(kind));
}

void Unpickler::do_reduce() {
  const std::uint32_t args = pop();
  const std::uint32_t callable = pop();
  if (nodes_[args].kind != NK::Tuple)
    fail(std::string("REDUCE arguments must be a tuple, got a ") + nk_name(nodes_[args].kind));
  const std::vector<std::uint32_t> a = nodes_[args].items;  // copy: make() may reallocate nodes_
  switch (nodes_[callable].kind) {
    case NK::GlobalOrderedDict:
      if (!a.empty()) fail("collections.OrderedDict is only supported with no arguments");
      push(make(NK::Dict));
      return;
    case NK::GlobalDtype: {
      if (a.size() != 3 || nodes_[a[0]].kind != NK::String)
        fail("numpy.dtype must be called as dtype('f8', 0, 1)");
      if (nodes_[a[0]].s != "f8") {
        std::string shown = nodes_[a[0]].s.substr(0, 40);
        fail("numpy dtype '" + shown + "' is not supported; only float64 ('f8') is accepted");
      }
      auto int_is = [this](std::uint32_t id, std::int64_t v) {
        const Node& n = nodes_[id];
        return (n.kind == NK::Int && n.i == v) || (n.kind == NK::Bool && n.b == (v != 0));
      };
      if (!int_is(a[1], 0) || !int_is(a[2], 1))
        fail("numpy.dtype must be called as dtype('f8', 0, 1)");
      const std::uint32_t d = make(NK::Dtype);
      nodes_[d].s = "f8";
      push(d);
      return;
    }
    case NK::GlobalScalar: {
      if (a.size() != 2 || nodes_[a[0]].kind != NK::Dtype || nodes_[a[1]].kind != NK::Bytes)
        fail("numpy.core.multiarray.scalar must be called with (dtype, bytes)");
      if (!nodes_[a[0]].b) fail("numpy dtype used before its BUILD state set the byte order");
      const std::string& raw = nodes_[a[1]].s;
      if (raw.size() != 8)
        fail("numpy float64 scalar needs 8 bytes of data, got " + std::to_string(raw.size()));
      std::uint64_t bits = 0;
      for (int k = 0; k < 8; ++k)
        bits |= static_cast<std::uint64_t>(static_cast<unsigned char>(raw[static_cast<std::size_t>(k)]))
                << (8 * k);
      double v;
      std::memcpy(&v, &bits, sizeof v);
      const std::uint32_t r = make(NK::Float);
      nodes_[r].f = v;
      push(r);
      return;
    }
    default:
      fail(std::string("REDUCE of a ") + nk_name(nodes_[callable].kind) + " is not supported");
  }
}

void Unpickler::do_build() {
  const std::uint32_t state = pop();
  const std::uint32_t obj = top();
  if (nodes_[obj].kind != NK::Dtype)
    fail(std::string("BUILD on a ") + nk_name(nodes_[obj].kind) + " is not supported");
  if (nodes_[obj].b) fail("numpy dtype state set twice");
  // numpy's dtype.__reduce__ state (version 3):
  // (3, byteorder, subarray, names, fields, elsize, alignment, flags)
  // For a builtin float64: (3, '<', None, None, None, -1, -1, 0).
  const Node& st = nodes_[state];
  if (st.kind != NK::Tuple || st.items.size() != 8)
    fail("numpy dtype state must be an 8-tuple (3, '<', None, None, None, -1, -1, 0)");
  const auto& it = st.items;
  auto int_is = [this](std::uint32_t id, std::int64_t v) {
    return nodes_[id].kind == NK::Int && nodes_[id].i == v;
  };
  if (!int_is(it[0], 3)) fail("numpy dtype state version must be 3");
  if (nodes_[it[1]].kind != NK::String || nodes_[it[1]].s != "<")
    fail("numpy dtype byte order must be '<' (little-endian float64)");
  if (nodes_[it[2]].kind != NK::None || nodes_[it[3]].kind != NK::None ||
      nodes_[it[4]].kind != NK::None)
    fail("structured or sub-array numpy dtypes are not supported");
  if (!int_is(it[5], -1) || !int_is(it[6], -1) || !int_is(it[7], 0))
    fail("numpy dtype state is not that of a plain float64 (-1, -1, 0)");
  nodes_[obj].b = true;
}

// Turns the object graph into an owning PyValue tree, without recursion.
// Depth and size are bounded: a reference cycle shows up as excessive depth and
// shared sub-objects cannot blow the output up beyond a budget tied to the input size.
PyValue Unpickler::convert(std::uint32_t root) {
  const std::uint64_t node_budget = 8 * static_cast<std::uint64_t>(data_.size()) + (1u << 20);
  const std::uint64_t byte_budget = 16 * static_cast<std::uint64_t>(data_.size()) + (16u << 20);
  std::uint64_t nodes_used = 0;
  std::uint64_t bytes_used = 0;

  struct Frame {
    std::uint32_t id;
    PyValue* dst;
    std::size_t next;  // next child slot
    std::size_t slots;
  };
  PyValue result;
  std::vector<Frame> frames;

  auto enter = [&](std::uint32_t id, PyValue* dst) {
    const Node& n = nodes_[id];
    if (!is_plain(n.kind))
      fail(std::string("the unpickled value contains a ") + nk_name(n.kind) +
           ", which has no plain value");
    if (frames.size() >= kMaxPickleDepth)
      fail("value nested deeper than " + std::to_string(kMaxPickleDepth) +
           " levels (or a reference cycle)");
    if (++nodes_used > node_budget)
      fail("unpickled value is too large (more than " + std::to_string(node_budget) +
           " objects after expanding shared references)");
    dst->kind = static_cast<PyValue::Kind>(n.kind);
    dst->b = n.b;
    dst->i = n.i;
    dst->f = n.f;
    std::size_t slots = 0;
    if (n.kind == NK::String || n.kind == NK::Bytes) {
      bytes_used += n.s.size();
      if (bytes_used > byte_budget)
        fail("unpickled value is too large (more than " + std::to_string(byte_budget) +
             " bytes of strings after expanding shared references)");
      dst->s = n.s;
    } else if (n.kind == NK::List || n.kind == NK::Tuple || n.kind == NK::Set) {
      dst->items.resize(n.items.size());
      slots = n.items.size();
    } else if (n.kind == NK::Dict) {
      dst->dict.resize(n.entries.size());
      slots = 2 * n.entries.size();
    }
    frames.push_back(Frame{id, dst, 0, slots});
  };

  enter(root, &result);
  while (!frames.empty()) {
    Frame& fr = frames.back();
    if (fr.next == fr.slots) {
      frames.pop_back();
      continue;
    }
    const std::size_t k = fr.next++;
    const Node& n = nodes_[fr.id];
    std::uint32_t child;
    PyValue* dst;
    if (n.kind == NK::Dict) {
      const auto& e = n.entries[k / 2];
      child = (k % 2 == 0) ? e.first : e.second;
      dst = (k % 2 == 0) ? &fr.dst->dict[k / 2].first : &fr.dst->dict[k / 2].second;
    } else {
      child = n.items[k];
      dst = &fr.dst->items[k];
    }
    enter(child, dst);  // may invalidate `fr`; not used afterwards
  }
  return result;
}

PyValue Unpickler::run() {
  if (data_.size() >= std::numeric_limits<std::uint32_t>::max())
    throw PickleError(what_ + ": pickle of " + std::to_string(data_.size()) + " bytes is too large");
  nodes_.reserve(std::min<std::size_t>(data_.size() / 4 + 16, std::size_t{1} << 24));
  while (true) {
    if (pos_ >= data_.size())
      throw PickleError(what_ + ": truncated pickle: ended at offset " + std::to_string(pos_) +
                        " without STOP");
    op_pos_ = pos_;
    op_ = static_cast<unsigned char>(data_[pos_++]);
    switch (op_) {
      case 0x80: {  // PROTO
        const auto v = read_le(1, "PROTO argument");
        if (v < 2 || v > 5) fail("unsupported pickle protocol " + std::to_string(v));
        break;
      }
      case 0x95: {  // FRAME: only checked for consistency, opcodes are read straight through
        const auto len = read_le(8, "FRAME length");
        if (len > remaining())
          fail("truncated pickle: FRAME of " + std::to_string(len) + " bytes but only " +
               std::to_string(remaining()) + " remain");
        break;
      }
      case '.': {  // STOP
        if (marks_.size() != 0) fail("STOP with an unclosed MARK");
        if (stack_.size() != 1)
          fail("STOP with " + std::to_string(stack_.size()) + " objects on the stack (expected 1)");
        if (pos_ != data_.size())
          fail(std::to_string(data_.size() - pos_) + " trailing bytes after STOP");
        return convert(stack_.back());
      }
      case '(':  // MARK
        marks_.push_back(stack_.size());
        break;
      case '0':  // POP (an item, or the MARK if nothing is above it)
        if (visible() > 0) {
          stack_.pop_back();
        } else if (!marks_.empty()) {
          marks_.pop_back();
        } else {
          fail("stack underflow");
        }
        break;
      case '1':  // POP_MARK
        pop_mark();
        break;
      case '2':  // DUP
        push(top());
        break;

      // ---- memo
      case 0x94: {  // MEMOIZE
        const std::uint32_t v = top();
        const auto key = static_cast<std::uint32_t>(memo_.size());
        memo_[key] = v;
        break;
      }
      case 'q':
      case 'r': {  // BINPUT, LONG_BINPUT
        const auto key = static_cast<std::uint32_t>(
            read_le(op_ == 'q' ? 1 : 4, op_ == 'q' ? "BINPUT argument" : "LONG_BINPUT argument"));
        memo_[key] = top();
        break;
      }
      case 'h':
      case 'j': {  // BINGET, LONG_BINGET
        const auto key = static_cast<std::uint32_t>(
            read_le(op_ == 'h' ? 1 : 4, op_ == 'h' ? "BINGET argument" : "LONG_BINGET argument"));
        const auto it = memo_.find(key);
        if (it == memo_.end())
          fail("memo index " + std::to_string(key) + " was never stored (memo holds " +
               std::to_string(memo_.size()) + " objects)");
        push(it->second);
        break;
      }

      // ---- scalars
      case 'N':
        push(make(NK::None));
        break;
      case 0x88:
      case 0x89: {  // NEWTRUE, NEWFALSE
        const std::uint32_t id = make(NK::Bool);
        nodes_[id].b = (op_ == 0x88);
        push(id);
        break;
      }
      case 'J': {  // BININT: signed 32-bit
        const auto v = static_cast<std::uint32_t>(read_le(4, "BININT argument"));
        push(make_int(static_cast<std::int32_t>(v)));
        break;
      }
      case 'K':
        push(make_int(static_cast<std::int64_t>(read_le(1, "BININT1 argument"))));
        break;
      case 'M':
        push(make_int(static_cast<std::int64_t>(read_le(2, "BININT2 argument"))));
        break;
      case 0x8a: {  // LONG1: little-endian two's complement of n bytes
        const auto n = static_cast<std::size_t>(read_le(1, "LONG1 length"));
        if (n > 8) {
          need(n, "LONG1 argument");
          fail("integer of " + std::to_string(n) + " bytes does not fit in 64 bits");
        }
        std::uint64_t v = read_le(n, "LONG1 argument");
        if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~std::uint64_t{0} << (8 * n);
        std::int64_t sv;
        std::memcpy(&sv, &v, sizeof sv);
        push(make_int(sv));
        break;
      }
      case 'G': {  // BINFLOAT: big-endian IEEE double
        need(8, "BINFLOAT argument");
        std::uint64_t bits = 0;
        for (int k = 0; k < 8; ++k)
          bits = (bits << 8) | static_cast<unsigned char>(data_[pos_ + static_cast<std::size_t>(k)]);
        pos_ += 8;
        double v;
        std::memcpy(&v, &bits, sizeof v);
        const std::uint32_t id = make(NK::Float);
        nodes_[id].f = v;
        push(id);
        break;
      }
      case 0x8c:
      case 'X':
      case 0x8d: {  // SHORT_BINUNICODE, BINUNICODE, BINUNICODE8
        const std::size_t width = op_ == 0x8c ? 1 : op_ == 'X' ? 4 : 8;
        const auto len = read_le(width, "string length");
        const std::string_view text = read_bytes(len, "string");
        if (!valid_utf8(text)) fail("string is not valid UTF-8");
        const std::uint32_t id = make(NK::String);
        nodes_[id].s.assign(text.data(), text.size());
        push(id);
        break;
      }
      case 'C':
      case 'B': {  // SHORT_BINBYTES, BINBYTES
        const auto len = read_le(op_ == 'C' ? 1 : 4, "bytes length");
        const std::string_view raw = read_bytes(len, "bytes");
        const std::uint32_t id = make(NK::Bytes);
        nodes_[id].s.assign(raw.data(), raw.size());
        push(id);
        break;
      }

      // ---- containers
      case '}':
        push(make(NK::Dict));
        break;
      case ']':
        push(make(NK::List));
        break;
      case 0x8f:
        push(make(NK::Set));
        break;
      case ')':
      case 't':
      case 0x85:
      case 0x86:
      case 0x87: {  // EMPTY_TUPLE, TUPLE, TUPLE1, TUPLE2, TUPLE3
        std::vector<std::uint32_t> items;
        if (op_ == 't') {
          items = pop_mark();
        } else if (op_ != ')') {
          const std::size_t n = static_cast<std::size_t>(op_ - 0x84);
          if (visible() < n) fail("stack underflow");
          items.assign(stack_.end() - static_cast<std::ptrdiff_t>(n), stack_.end());
          stack_.resize(stack_.size() - n);
        }
        const std::uint32_t id = make(NK::Tuple);
        nodes_[id].items = std::move(items);
        hash_id(id);  // children are final: intern now (see hash_id)
        push(id);
        break;
      }
      case 'l': {  // LIST
        std::vector<std::uint32_t> items = pop_mark();
        for (const std::uint32_t it : items) require_plain(it, "list");
        const std::uint32_t id = make(NK::List);
        nodes_[id].items = std::move(items);
        push(id);
        break;
      }
      case 'd': {  // DICT
        const std::vector<std::uint32_t> items = pop_mark();
        if (items.size() % 2 != 0) fail("DICT with an odd number of items");
        const std::uint32_t id = make(NK::Dict);
        for (std::size_t k = 0; k < items.size(); k += 2) dict_set(id, items[k], items[k + 1]);
        push(id);
        break;
      }
      case 'a': {  // APPEND
        const std::uint32_t v = pop();
        const std::uint32_t list = target(NK::List, "APPEND");
        require_plain(v, "list");
        nodes_[list].items.push_back(v);
        break;
      }
      case 'e': {  // APPENDS
        const std::vector<std::uint32_t> items = pop_mark();
        const std::uint32_t list = target(NK::List, "APPENDS");
        for (const std::uint32_t it : items) require_plain(it, "list");
        auto& dst = nodes_[list].items;
        dst.insert(dst.end(), items.begin(), items.end());
        break;
      }
      case 's': {  // SETITEM
        const std::uint32_t v = pop();
        const std::uint32_t k = pop();
        dict_set(target(NK::Dict, "SETITEM"), k, v);
        break;
      }
      case 'u': {  // SETITEMS
        const std::vector<std::uint32_t> items = pop_mark();
        if (items.size() % 2 != 0) fail("SETITEMS with an odd number of items");
        const std::uint32_t dict = target(NK::Dict, "SETITEMS");
        for (std::size_t k = 0; k < items.size(); k += 2) dict_set(dict, items[k], items[k + 1]);
        break;
      }
      case 0x90: {  // ADDITEMS
        const std::vector<std::uint32_t> items = pop_mark();
        const std::uint32_t set = target(NK::Set, "ADDITEMS");
        for (const std::uint32_t it : items) set_add(set, it);
        break;
      }

      // ---- the few allowed globals
      case 0x93: {  // STACK_GLOBAL
        const std::uint32_t name = pop();
        const std::uint32_t module = pop();
        if (nodes_[name].kind != NK::String || nodes_[module].kind != NK::String)
          fail("STACK_GLOBAL needs two strings");
        const std::string m = nodes_[module].s;
        const std::string n = nodes_[name].s;
        do_global(m, n);
        break;
      }
      case 'c': {  // GLOBAL
        const std::string_view module = read_line("GLOBAL module name");
        const std::string_view name = read_line("GLOBAL name");
        if (!valid_utf8(module) || !valid_utf8(name)) fail("GLOBAL name is not valid UTF-8");
        do_global(module, name);
        break;
      }
      case 'R':
        do_reduce();
        break;
      case 'b':
        do_build();
        break;

      default:
        throw PickleError(what_ + ": unsupported pickle opcode " + hex2(op_) + " (" +
                          opcode_label(op_) + ") at offset " + std::to_string(op_pos_));
    }
  }
}

}  // namespace

PyValue read_pickle(std::string_view bytes, const std::string& what) {
  Unpickler u(bytes, what);
  return u.run();
}

PyValue read_pickle_bz2_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw PickleError(path + ": cannot open file: " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw PickleError(path + ": read error");
  const std::string compressed = buf.str();
  const std::string raw = bz2_decompress(compressed, path);
  return read_pickle(raw, path);
}

}  // namespace nasrun::bench
