// Live training is a plugin: libnasrun_live.so, built from src/evaluators/live*.cpp (the only
// files that include LibTorch) beside the programs when CMake finds Torch. The core registers
// the curve source "live" itself (plugin_source.cpp), so that --help lists it and the programs
// check their options without LibTorch; making a live source loads the plugin, once, and asks
// its entry point for the factory. A program that never makes one never loads LibTorch.
#pragma once

#include "evaluators/curve_source.hpp"

// The plugin's entry points (live_source.cpp). The plugin links no nasrun library; the program
// that opens it exports the core it refers to.
// The factory of live curve sources.
extern "C" const nasrun::evaluators::CurveSourceFactory* nasrun_live_source_factory();
// The CUDA devices live training can use (0: none, or a LibTorch without CUDA support).
extern "C" int nasrun_live_cuda_device_count();

namespace nasrun::evaluators {

// nasrun_live_cuda_device_count, through the plugin (loading it, and LibTorch, when no live
// source was made yet). Throws std::runtime_error when live training is not in this build.
int live_cuda_device_count();

}  // namespace nasrun::evaluators
