// The OpenCL C sources of backends/opencl/kernels/, embedded at build time
// (embed_kernels.cmake), in build order: common.cl first.
#pragma once

#include <string>
#include <vector>

namespace socd::opencl {

struct KernelSource {
  const char* file;
  const char* text;
};

const std::vector<KernelSource>& EmbeddedKernelSources();

// All sources concatenated into one program text.
std::string ProgramSource();

}  // namespace socd::opencl
