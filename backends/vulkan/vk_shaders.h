// SPIR-V of backends/vulkan/shaders/*.comp, compiled by glslc at build time and embedded by a
// generated .cc (see CMakeLists.txt): an fp32 variant and an fp16-storage variant per shader,
// and a no-float64 variant of the typed shaders.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace socd::vulkan {

struct EmbeddedShader {
  const char* name;
  const uint32_t* f32;
  size_t f32_bytes;
  const uint32_t* f16;  // weights read as float16_t (GL_EXT_shader_16bit_storage)
  size_t f16_bytes;
  // Built with SOCD_NO_F64 (no Float64 capability) for devices without shaderFloat64; only
  // shaders that include typed.glsl have one (nullptr otherwise: they declare no double).
  const uint32_t* nof64;
  size_t nof64_bytes;
};

// nullptr when no shader has that name.
const EmbeddedShader* FindEmbeddedShader(const std::string& name);

}  // namespace socd::vulkan
