#include "spaces/randwire.hpp"

#include <map>

#include "spaces/search_space_registry.hpp"

namespace nasrun::spaces {

namespace {

const Registration<search_space_registry> kRegistration{
    "randwire",
    "RandWire (Xie et al. 2019): 69 ER/BA/WS generator settings x 8 wiring seeds, 3 stages of 32 "
    "nodes, 552 networks",
    [] { return std::make_shared<RandWireSpace>(); }};

using randwire::GeneratorSetting;
using Model = GeneratorSetting::Model;

enum Dimension : std::size_t { kSetting = 0, kWiring = 1 };

}  // namespace

const std::vector<GeneratorSetting>& RandWireSpace::generator_settings() {
  static const std::vector<GeneratorSetting> settings = [] {
    std::vector<GeneratorSetting> s;
    for (int step = 1; step <= 16; ++step) s.push_back({Model::ErdosRenyi, step / 20.0, 0, 0});
    for (std::size_t m = 1; m <= kMaxAttachments; ++m)
      s.push_back({Model::BarabasiAlbert, 0, m, 0});
    for (std::size_t k = 2; k <= 8; k += 2)
      for (int step = 0; step <= 10; ++step) s.push_back({Model::WattsStrogatz, step / 10.0, 0, k});
    return s;
  }();
  return settings;
}

RandWireSpace::StageDags RandWireSpace::stage_dags(const Choices& choices) {
  const auto& setting = generator_settings().at(choices.at(kSetting));
  StageDags dags;
  // A stream per setting: a seed's graphs of neighbouring settings (WS(2,0.90) and
  // WS(2,1.00), say) are drawn independently, not from the same numbers, which would often
  // make them the same graph.
  const auto stream = common::mix_seed(choices.at(kWiring), choices.at(kSetting));
  for (std::size_t s = 0; s < kStages; ++s) {
    common::Rng rng(common::mix_seed(stream, s));
    dags[s] = randwire::orient_by_index(setting.generate(kNodes, rng));
  }
  return dags;
}

std::size_t RandWireSpace::num_choices(std::size_t dim) const {
  return dim == kSetting ? generator_settings().size() : kWirings;
}

std::string RandWireSpace::dimension_name(std::size_t dim) const {
  return dim == kSetting ? "generator" : "wiring seed";
}

std::string RandWireSpace::choice_name(std::size_t dim, std::size_t choice) const {
  return dim == kSetting ? generator_settings().at(choice).name() : std::to_string(choice);
}

std::string RandWireSpace::to_string(ArchCode code) const {
  const auto c = decode(code);
  return choice_name(kSetting, c[kSetting]) + "@" + choice_name(kWiring, c[kWiring]);
}

ArchCode RandWireSpace::parse(std::string_view text) const {
  const auto at = text.rfind('@');
  const auto fail = [&](const std::string& what) {
    return ArchParseError("invalid RandWire architecture '" + std::string(text) + "': " + what +
                          " (form: SETTING@SEED, e.g. WS(4,0.30)@5; settings ER(0.05)..ER(0.80), "
                          "BA(1)..BA(" + std::to_string(kMaxAttachments) +
                          "), WS(K,0.00)..WS(K,1.00) for K = 2, 4, 6, 8; seeds 0.." +
                          std::to_string(kWirings - 1) + ")");
  };
  if (at == std::string_view::npos) throw fail("no '@' before the wiring seed");
  Choices choices(2);
  const auto setting = text.substr(0, at), seed = text.substr(at + 1);
  const auto& settings = generator_settings();
  std::size_t s = 0;
  while (s < settings.size() && settings[s].name() != setting) ++s;
  if (s == settings.size()) throw fail("unknown generator setting '" + std::string(setting) + "'");
  if (seed.size() != 1 || seed[0] < '0' || seed[0] >= static_cast<char>('0' + kWirings))
    throw fail("wiring seed '" + std::string(seed) + "' is not a single digit below " +
               std::to_string(kWirings));
  choices[kSetting] = static_cast<std::uint32_t>(s);
  choices[kWiring] = static_cast<std::uint32_t>(seed[0] - '0');
  return encode(choices);
}

const std::vector<ArchCode>& RandWireSpace::classes() const {
  std::call_once(classes_computed_, [this] {
    class_of_.resize(size());
    // Keyed by the stages' predecessor lists one after the other (kNodes lists a stage).
    std::map<std::vector<std::vector<std::size_t>>, ArchCode> first_code;
    for (ArchCode c = 0; c < size(); ++c) {
      std::vector<std::vector<std::size_t>> wiring;
      for (const auto& dag : stage_dags(decode(c)))
        wiring.insert(wiring.end(), dag.predecessors.begin(), dag.predecessors.end());
      class_of_[c] = first_code.emplace(std::move(wiring), c).first->second;
    }
  });
  return class_of_;
}

ArchCode RandWireSpace::class_of(ArchCode code) const {
  check(code);
  return classes()[code];
}

std::vector<std::string> RandWireSpace::feature_names() const {
  return {"er", "ba", "ws", "P", "M", "K", "edges", "input_nodes", "output_nodes", "depth"};
}

std::vector<double> RandWireSpace::features(ArchCode code) const {
  const auto choices = decode(code);
  const auto& setting = generator_settings()[choices[kSetting]];
  std::vector<double> out = {setting.model == Model::ErdosRenyi ? 1.0 : 0.0,
                             setting.model == Model::BarabasiAlbert ? 1.0 : 0.0,
                             setting.model == Model::WattsStrogatz ? 1.0 : 0.0,
                             setting.p,
                             static_cast<double>(setting.m),
                             static_cast<double>(setting.k)};
  double edges = 0, inputs = 0, outputs = 0, depth = 0;
  for (const auto& dag : stage_dags(choices)) {
    edges += static_cast<double>(dag.edges()) / kStages;
    inputs += static_cast<double>(dag.input_nodes().size()) / kStages;
    outputs += static_cast<double>(dag.output_nodes().size()) / kStages;
    depth += static_cast<double>(dag.depth()) / kStages;
  }
  out.insert(out.end(), {edges, inputs, outputs, depth});
  return out;
}

}  // namespace nasrun::spaces
