#include <bzlib.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "bench/pickle_reader.hpp"

using namespace nasrun::bench;
using Kind = PyValue::Kind;

namespace {

template <std::size_t N>
std::string B(const char (&s)[N]) {
  return std::string(s, N - 1);
}

std::string data_dir() {
  if (const char* env = std::getenv("NASRUN_SHARED_DATA")) return env;
#ifdef NASRUN_SOURCE_DIR
  return std::string(NASRUN_SOURCE_DIR) + "/../shared/data";
#else
  return {};
#endif
}

std::string nats_file(const std::string& name) {
  return data_dir() + "/nats-tss-sample/" + name + ".pickle.pbz2";
}

bool have_nats_sample() {
  if (data_dir().empty()) return false;
  std::ifstream in(nats_file("meta"), std::ios::binary);
  return static_cast<bool>(in);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string bz2_compress(const std::string& raw) {
  std::string out(raw.size() + raw.size() / 100 + 700, '\0');
  unsigned int len = static_cast<unsigned int>(out.size());
  const int rc = BZ2_bzBuffToBuffCompress(&out[0], &len, const_cast<char*>(raw.data()),
                                          static_cast<unsigned int>(raw.size()), 9, 0, 0);
  REQUIRE(rc == BZ_OK);
  out.resize(len);
  return out;
}

std::string error_of(const std::string& bytes) {
  try {
    read_pickle(bytes, "t.pkl");
  } catch (const PickleError& e) {
    return e.what();
  }
  return "<no error>";
}

// numpy float64 scalar as the NATS files pickle it (protocol 4 opcodes).
std::string numpy_scalar_pickle(double v, const std::string& dtype = "f8",
                                const std::string& order = "<", bool build = true,
                                std::size_t nbytes = 8) {
  std::string p = B("\x80\x04\x8c\x15numpy.core.multiarray\x94\x8c\x06scalar\x94\x93\x94"
                    "\x8c\x05numpy\x94\x8c\x05" "dtype\x94\x93\x94");
  p += '\x8c';
  p += static_cast<char>(dtype.size());
  p += dtype;
  p += B("\x94K\x00K\x01\x87\x94R\x94");
  if (build) {
    p += B("(K\x03\x8c");
    p += static_cast<char>(order.size());
    p += order;
    p += B("\x94NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t\x94" "b");
  }
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  p += 'C';
  p += static_cast<char>(nbytes);
  for (std::size_t k = 0; k < nbytes; ++k) p += static_cast<char>(k < 8 ? (bits >> (8 * k)) & 0xff : 0);
  p += B("\x94\x86\x94R\x94.");
  return p;
}

// {'a': [1, -2, 2**40, -2**63, 2**63-1, True, False, None, b'xy', 'é', (1,), 1.5, -0.25, 300, 70000],
//  ('cifar100', 777): {}, 3: 'three'} as written by CPython's pickle.dumps, protocols 3 and 4.
const std::string kPlain3 = B(
    "\x80\x03}q\x00(X\x01\x00\x00\x00" "aq\x01]q\x02(K\x01J\xfe\xff\xff\xff\x8a\x06\x00\x00\x00"
    "\x00\x00\x01\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x80\x8a\x08\xff\xff\xff\xff\xff\xff\xff"
    "\x7f\x88\x89NC\x02xyq\x03X\x02\x00\x00\x00\xc3\xa9q\x04K\x01\x85q\x05G\x3f\xf8\x00\x00\x00"
    "\x00\x00\x00G\xbf\xd0\x00\x00\x00\x00\x00\x00M,\x01Jp\x11\x01\x00" "eX\x08\x00\x00\x00"
    "cifar100q\x06M\x09\x03\x86q\x07}q\x08K\x03X\x05\x00\x00\x00threeq\x09u.");
const std::string kPlain4 = B(
    "\x80\x04\x95w\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x01" "a\x94]\x94(K\x01J\xfe\xff\xff"
    "\xff\x8a\x06\x00\x00\x00\x00\x00\x01\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x80\x8a\x08\xff"
    "\xff\xff\xff\xff\xff\xff\x7f\x88\x89NC\x02xy\x94\x8c\x02\xc3\xa9\x94K\x01\x85\x94G\x3f"
    "\xf8\x00\x00\x00\x00\x00\x00G\xbf\xd0\x00\x00\x00\x00\x00\x00M,\x01Jp\x11\x01\x00" "e\x8c"
    "\x08" "cifar100\x94M\x09\x03\x86\x94}\x94K\x03\x8c\x05three\x94u.");
// collections.OrderedDict([('b', 1), ('a', 2.5)]), protocols 2 and 4.
const std::string kOrdered2 = B(
    "\x80\x02" "ccollections\nOrderedDict\nq\x00)Rq\x01(X\x01\x00\x00\x00" "bq\x02K\x01X\x01\x00"
    "\x00\x00" "aq\x03G@\x04\x00\x00\x00\x00\x00\x00u.");
const std::string kOrdered4 = B(
    "\x80\x04\x95" "7\x00\x00\x00\x00\x00\x00\x00\x8c\x0b" "collections\x94\x8c\x0bOrderedDict"
    "\x94\x93\x94)R\x94(\x8c\x01" "b\x94K\x01\x8c\x01" "a\x94G@\x04\x00\x00\x00\x00\x00\x00u.");
// {'e': set(), 'f': {1, 2}}, protocol 4.
const std::string kSets4 = B(
    "\x80\x04\x95\x17\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x01" "e\x94\x8f\x94\x8c\x01" "f\x94"
    "\x8f\x94(K\x01K\x02\x90u.");

void check_plain(const PyValue& v) {
  REQUIRE(v.kind == Kind::Dict);
  REQUIRE(v.dict.size() == 3);
  const PyValue* a = v.find("a");
  REQUIRE(a);
  REQUIRE(a->kind == Kind::List);
  REQUIRE(a->items.size() == 15);
  CHECK(a->items[0].i == 1);
  CHECK(a->items[1].i == -2);
  CHECK(a->items[2].i == (std::int64_t{1} << 40));
  CHECK(a->items[3].i == INT64_MIN);
  CHECK(a->items[4].i == INT64_MAX);
  CHECK((a->items[5].kind == Kind::Bool && a->items[5].b));
  CHECK((a->items[6].kind == Kind::Bool && !a->items[6].b));
  CHECK(a->items[7].kind == Kind::None);
  CHECK((a->items[8].kind == Kind::Bytes && a->items[8].s == "xy"));
  CHECK((a->items[9].kind == Kind::String && a->items[9].s == "\xc3\xa9"));
  CHECK((a->items[10].kind == Kind::Tuple && a->items[10].items.size() == 1));
  CHECK(a->items[11].f == 1.5);
  CHECK(a->items[12].f == -0.25);
  CHECK(a->items[13].i == 300);
  CHECK(a->items[14].i == 70000);
  CHECK(a->items[14].as_double() == 70000.0);
  const PyValue* e = v.find_pair("cifar100", 777);
  REQUIRE(e);
  CHECK(e->describe() == "dict of 0 entries");
  const PyValue* three = v.find_int(3);
  REQUIRE(three);
  CHECK(three->s == "three");
  CHECK(v.describe() == "dict of 3 entries");
}

}  // namespace

// Flips `mask` in every `stride`-th byte of `compressed` from `from` on. bzip2 checks a CRC per
// block and per stream, so each flip either fails or hit a redundant bit (e.g. an unused
// code-length entry) and decodes to `raw` unchanged; at least one must fail.
static void check_bit_flips(const std::string& compressed, const std::string& raw, std::size_t from,
                            std::size_t stride, char mask) {
  std::size_t failures = 0;
  for (std::size_t at = from; at < compressed.size(); at += stride) {
    std::string bad = compressed;
    bad[at] = static_cast<char>(bad[at] ^ mask);
    INFO("bit flip at " << at);
    std::string out;
    try {
      out = bz2_decompress(bad, "flip");
    } catch (const PickleError&) {
      ++failures;
      continue;
    }
    CHECK(out == raw);
  }
  CHECK(failures > 0);
}

TEST_CASE("pickle reader decodes plain values written by CPython", "[bench][pickle]") {
  check_plain(read_pickle(kPlain3, "p3"));
  check_plain(read_pickle(kPlain4, "p4"));
}

TEST_CASE("pickle reader turns OrderedDict into a Dict in insertion order", "[bench][pickle]") {
  for (const auto& p : {kOrdered2, kOrdered4}) {
    const PyValue v = read_pickle(p, "od");
    REQUIRE(v.kind == Kind::Dict);
    REQUIRE(v.dict.size() == 2);
    CHECK(v.dict[0].first.s == "b");
    CHECK(v.dict[1].first.s == "a");
    CHECK(v.find("a")->as_double() == 2.5);
    CHECK(v.find("b")->as_double() == 1.0);
  }
}

TEST_CASE("pickle reader decodes sets", "[bench][pickle]") {
  const PyValue v = read_pickle(kSets4, "sets");
  REQUIRE(v.find("e"));
  CHECK(v.find("e")->kind == Kind::Set);
  CHECK(v.find("e")->items.empty());
  REQUIRE(v.find("f"));
  CHECK(v.find("f")->items.size() == 2);
}

TEST_CASE("pickle reader decodes numpy float64 scalars", "[bench][pickle]") {
  const PyValue v = read_pickle(numpy_scalar_pickle(0.8125), "np");
  CHECK(v.kind == Kind::Float);
  CHECK(v.f == 0.8125);
  CHECK(read_pickle(numpy_scalar_pickle(-1e300), "np").f == -1e300);

  CHECK_THAT(error_of(numpy_scalar_pickle(1.0, "i8")),
             Catch::Contains("numpy dtype 'i8' is not supported") && Catch::Contains("t.pkl"));
  CHECK_THAT(error_of(numpy_scalar_pickle(1.0, "f8", ">")), Catch::Contains("byte order"));
  CHECK_THAT(error_of(numpy_scalar_pickle(1.0, "f8", "<", false)), Catch::Contains("BUILD"));
  CHECK_THAT(error_of(numpy_scalar_pickle(1.0, "f8", "<", true, 7)), Catch::Contains("8 bytes"));
  // A dtype object on its own has no plain value.
  CHECK_THAT(error_of(B("\x80\x04\x8c\x05numpy\x8c\x05" "dtype\x93\x8c\x02" "f8K\x00K\x01\x87R.")),
             Catch::Contains("numpy.dtype object"));
}

TEST_CASE("pickle reader follows Python dict semantics for keys", "[bench][pickle]") {
  // {1: 2, 1: 3} -> one entry, last value wins, first position kept.
  PyValue v = read_pickle(B("}(K\x01K\x02K\x05K\x00K\x01K\x03u."), "dup");
  REQUIRE(v.dict.size() == 2);
  CHECK(v.dict[0].first.i == 1);
  CHECK(v.dict[0].second.i == 3);
  // 1, 1.0 and True are the same key.
  v = read_pickle(B("}(K\x01K\x02G\x3f\xf0\x00\x00\x00\x00\x00\x00K\x03\x88K\x04u."), "num");
  REQUIRE(v.dict.size() == 1);
  CHECK(v.dict[0].second.i == 4);
  // Equal tuples are equal keys.
  v = read_pickle(B("}(\x8c\x01xK\x01\x86K\x01\x8c\x01xK\x01\x86K\x02u."), "tup");
  REQUIRE(v.dict.size() == 1);
  CHECK(v.find_pair("x", 1)->i == 2);
  // Unhashable keys.
  CHECK_THAT(error_of(B("}]Ns.")), Catch::Contains("unhashable list"));
  CHECK_THAT(error_of(B("}]\x85Ns.")), Catch::Contains("unhashable tuple"));
}

TEST_CASE("pickle reader rejects forbidden globals and opcodes", "[bench][pickle]") {
  const std::string e1 = error_of(B("\x80\x02" "cos\nsystem\n\x8c\x02lsR."));
  CHECK_THAT(e1, Catch::StartsWith("t.pkl: global 'os.system' is not allowed; only "
                                   "collections.OrderedDict, numpy.core.multiarray.scalar and "
                                   "numpy.dtype are accepted"));
  CHECK_THAT(e1, Catch::Contains("at offset 2"));
  CHECK_THAT(error_of(B("\x80\x04\x8c\x08" "builtins\x8c\x04" "eval\x93.")),
             Catch::Contains("global 'builtins.eval' is not allowed"));
  CHECK(error_of(B("\x80\x02I1\n.")) ==
        "t.pkl: unsupported pickle opcode 0x49 ('I' INT) at offset 2");
  CHECK_THAT(error_of(B("\x80\x04\x8c\x0b" "collections\x8c\x0bOrderedDict\x93)\x81.")),
             Catch::Contains("unsupported pickle opcode 0x81 ('\\x81' NEWOBJ)"));
  CHECK_THAT(error_of(B("\x80\x02\x8c\x0b" "collections\x8c\x0bOrderedDict\x93.")),
             Catch::Contains("OrderedDict class"));
  CHECK_THAT(error_of(B("\x80\x02\x8c\x0b" "collections\x8c\x0bOrderedDict\x93]R.")),
             Catch::Contains("REDUCE arguments must be a tuple"));
  CHECK_THAT(error_of(B("\x80\x02NN\x85R.")), Catch::Contains("REDUCE of a None"));
  CHECK_THAT(error_of(B("\x80\x02]Nb.")), Catch::Contains("BUILD on a list"));
  CHECK_THAT(error_of(B("\x80\x09N.")), Catch::Contains("unsupported pickle protocol 9"));
}

TEST_CASE("pickle reader rejects malformed pickles", "[bench][pickle]") {
  struct Case {
    std::string bytes;
    const char* expect;
  };
  const Case cases[] = {
      {"", "without STOP"},
      {B("\x80\x04N"), "without STOP"},
      {B("N.x"), "1 trailing bytes after STOP"},
      {B("N.."), "trailing bytes after STOP"},
      {B("."), "STOP with 0 objects"},
      {B("NN."), "STOP with 2 objects"},
      {B("(N."), "unclosed MARK"},
      {B("\x80\x04h\x05."), "memo index 5 was never stored"},
      {B("\x80\x04N\x94j\x01\x00\x00\x00."), "memo index 1 was never stored"},
      {B("\x94."), "stack underflow"},
      {B("a."), "stack underflow"},
      {B("]a."), "stack underflow"},
      {B("](a."), "stack underflow"},
      {B("N\x86."), "stack underflow"},
      {B("(\x85."), "stack underflow"},
      {B("0."), "stack underflow"},
      {B("N2(2."), "stack underflow"},
      {B("t."), "no MARK"},
      {B("e."), "no MARK"},
      {B("]Ne."), "no MARK"},
      {B("(Ne."), "stack underflow"},
      {B("}(Nu."), "odd number"},
      {B("(Nd."), "odd number"},
      {B("NNa."), "APPEND needs a list"},
      {B("](NNu."), "SETITEMS needs a dict"},
      {B("\x8c\x05" "ab"), "truncated pickle"},
      {B("X\xff\xff\xff\xff" "ab."), "truncated pickle"},
      {B("\x8d\xff\xff\xff\xff\xff\xff\xff\xff" "ab."), "truncated pickle"},
      {B("B\x00\x00\x00\x80."), "truncated pickle"},
      {B("\x95\xff\xff\xff\xff\xff\xff\xff\xff."), "truncated pickle: FRAME"},
      {B("G\x00\x00"), "truncated pickle"},
      {B("\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01."), "does not fit in 64 bits"},
      {B("\x8a\xff\x00."), "truncated pickle"},
      {B("\x8c\x02\xc3(."), "not valid UTF-8"},
      {B("cos\nsys"), "no terminating newline"},
      {B("\x80"), "truncated pickle"},
  };
  for (const auto& c : cases) {
    INFO("pickle bytes of length " << c.bytes.size());
    const std::string e = error_of(c.bytes);
    CHECK_THAT(e, Catch::Contains(c.expect));
    CHECK_THAT(e, Catch::StartsWith("t.pkl: "));
  }
}

TEST_CASE("pickle reader bounds depth, cycles and shared-reference blow-up", "[bench][pickle]") {
  // 2000 nested lists.
  std::string deep;
  for (int k = 0; k < 2000; ++k) deep += ']';
  for (int k = 0; k < 1999; ++k) deep += 'a';
  deep += '.';
  CHECK_THAT(error_of(deep), Catch::Contains("nested deeper than 1000"));
  // 999 nested lists are fine.
  std::string ok;
  for (int k = 0; k < 999; ++k) ok += ']';
  for (int k = 0; k < 998; ++k) ok += 'a';
  ok += '.';
  CHECK(read_pickle(ok, "ok").kind == Kind::List);
  // A list containing itself.
  CHECK_THAT(error_of(B("]\x94h\x00" "a.")), Catch::Contains("reference cycle"));
  // x = []; 64 times x = (x, x): 2**64 objects once expanded.
  std::string dag = "]";
  for (int k = 0; k < 64; ++k) dag += B("2\x86");
  dag += '.';
  CHECK_THAT(error_of(dag), Catch::Contains("too large"));
  // Lots of MARKs and deeply nested tuples built without recursion.
  std::string marks(100000, '(');
  CHECK_THAT(error_of(marks), Catch::Contains("without STOP"));
}

TEST_CASE("pickle reader rejects every truncation of small pickles", "[bench][pickle]") {
  for (const auto& p : {kPlain3, kPlain4, kOrdered2, kOrdered4, kSets4, numpy_scalar_pickle(2.0)}) {
    REQUIRE_NOTHROW(read_pickle(p, "full"));
    for (std::size_t n = 0; n < p.size(); ++n) {
      INFO("prefix of " << n << " bytes");
      CHECK_THROWS_AS(read_pickle(p.substr(0, n), "prefix"), PickleError);
    }
  }
}

TEST_CASE("bz2_decompress handles streams and rejects bad input", "[bench][pickle]") {
  std::string raw;
  for (int k = 0; k < 200000; ++k) raw += static_cast<char>((k * 7919) % 251);
  const std::string z = bz2_compress(raw);
  CHECK(bz2_decompress(z, "z") == raw);
  CHECK(bz2_decompress(z + z, "zz") == raw + raw);  // concatenated streams, like bzip2 -d
  CHECK_THAT([&] {
    try {
      bz2_decompress(z + "garbage", "z.bz2");
    } catch (const PickleError& e) {
      return std::string(e.what());
    }
    return std::string();
  }(), Catch::Contains("z.bz2: 7 bytes of trailing garbage"));
  CHECK_THROWS_AS(bz2_decompress("", "e"), PickleError);
  CHECK_THROWS_AS(bz2_decompress("not bz2 at all", "e"), PickleError);
  CHECK_THROWS_AS(bz2_decompress(z, "limit", 1000), PickleError);
  for (std::size_t n : {std::size_t{1}, std::size_t{3}, std::size_t{10}, z.size() / 2, z.size() - 1}) {
    INFO("truncated to " << n);
    CHECK_THROWS_AS(bz2_decompress(z.substr(0, n), "t"), PickleError);
  }
  check_bit_flips(z, raw, 4, z.size() / 37 + 1, 0x10);
  // The convenience reader names the path.
  CHECK_THROWS_WITH(read_pickle_bz2_file("/nonexistent/x.pickle.pbz2"),
                    Catch::StartsWith("/nonexistent/x.pickle.pbz2: cannot open file"));
}

TEST_CASE("NATS-Bench meta file lists the 15,625 architectures", "[bench][pickle][data]") {
  if (!have_nats_sample()) {
    WARN("skipped: NATS-Bench sample not found under " << data_dir());
    return;
  }
  const PyValue meta = read_pickle_bz2_file(nats_file("meta"));
  REQUIRE(meta.kind == Kind::Dict);
  std::string keys;
  for (const auto& e : meta.dict) keys += e.first.s + " ";
  CHECK(keys == "meta_archs total_archs arch2infos evaluated_indexes ");
  CHECK(meta.find("total_archs")->i == 15625);
  const PyValue* archs = meta.find("meta_archs");
  REQUIRE(archs);
  REQUIRE(archs->kind == Kind::List);
  REQUIRE(archs->items.size() == 15625);
  CHECK(archs->items[0].s ==
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|"
        "skip_connect~2|");
  CHECK(archs->items[11].s ==
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|");
  for (const auto& a : archs->items) REQUIRE(a.kind == Kind::String);
  CHECK(meta.find("arch2infos")->kind == Kind::None);
  CHECK(meta.find("evaluated_indexes")->kind == Kind::Set);
}

TEST_CASE("NATS-Bench architecture 11 has the official results", "[bench][pickle][data]") {
  if (!have_nats_sample()) {
    WARN("skipped: NATS-Bench sample not found under " << data_dir());
    return;
  }
  const PyValue top = read_pickle_bz2_file(nats_file("000011"));
  REQUIRE(top.kind == Kind::Dict);
  REQUIRE(top.dict.size() == 2);
  const PyValue* r200 = top.find("200");
  REQUIRE(r200);
  REQUIRE(top.find("12"));
  CHECK(r200->find("arch_index")->i == 11);
  CHECK(r200->find("arch_str")->s ==
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|");
  const PyValue* all = r200->find("all_results");
  REQUIRE(all);
  const PyValue* c100 = all->find_pair("cifar100", 777);
  REQUIRE(c100);
  const PyValue* ev = c100->find("eval_acc1es");
  REQUIRE(ev);
  CHECK(ev->find("x-valid@199")->as_double() == Approx(67.72));
  CHECK(ev->find("x-test@199")->as_double() == Approx(66.86));
  CHECK(ev->find("ori-test@199")->as_double() == Approx(67.29));
  const PyValue* losses = c100->find("train_losses");
  REQUIRE(losses);
  CHECK(losses->dict.size() == 200);
  REQUIRE(losses->find_int(199));
  CHECK(losses->find_int(199)->is_number());
  // params is a numpy float64 scalar in the file; flop and latency plain floats/lists.
  const PyValue* params = c100->find("params");
  REQUIRE(params);
  CHECK(params->kind == Kind::Float);
  CHECK(params->f > 0);
  CHECK(c100->find("seed")->s == "0777");
}

TEST_CASE("every truncation of a real NATS pickle is a PickleError", "[bench][pickle][data]") {
  if (!have_nats_sample()) {
    WARN("skipped: NATS-Bench sample not found under " << data_dir());
    return;
  }
  const std::string compressed = slurp(nats_file("000284"));
  const std::string raw = bz2_decompress(compressed, "000284");
  REQUIRE_NOTHROW(read_pickle(raw, "000284"));
  std::size_t checked = 0;
  for (std::size_t n = 0; n < raw.size(); n += (n < 3000 ? 1 : raw.size() / 97 + 13)) {
    INFO("prefix of " << n << " bytes");
    CHECK_THROWS_AS(read_pickle(std::string_view(raw).substr(0, n), "prefix"), PickleError);
    ++checked;
  }
  CHECK(checked > 3000);
  CHECK_THROWS_AS(read_pickle(std::string_view(raw).substr(0, raw.size() - 1), "prefix"),
                  PickleError);
  CHECK_THROWS_AS(read_pickle(raw + "N", "trailing"), PickleError);
  check_bit_flips(compressed, raw, 100, compressed.size() / 23 + 1, 0x01);
}

TEST_CASE("corrupted bytes in a real NATS pickle never crash the reader", "[bench][pickle][data]") {
  if (!have_nats_sample()) {
    WARN("skipped: NATS-Bench sample not found under " << data_dir());
    return;
  }
  const std::string raw = bz2_decompress(slurp(nats_file("000000")), "000000");
  std::size_t rejected = 0;
  std::uint32_t rng = 12345;
  for (int trial = 0; trial < 300; ++trial) {
    rng = rng * 1664525u + 1013904223u;
    const std::size_t at = (rng >> 8) % raw.size();
    std::string bad = raw;
    bad[at] = static_cast<char>(bad[at] ^ static_cast<char>(1u << (rng & 7)));
    try {
      read_pickle(bad, "corrupt");  // may decode (e.g. a changed float), must not crash
    } catch (const PickleError&) {
      ++rejected;
    }
  }
  CHECK(rejected > 0);
}
