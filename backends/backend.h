// The contract every compute backend (cpu, vulkan, opencl, npu) implements. The scheduler only
// talks to backends through this file; a backend never includes scheduler code.
//
// Life cycle: the scheduler asks Supports() per node to partition a graph, Compile()s each
// partition once per model load, then calls Prepare() whenever the concrete input shapes change
// and Run() per inference. Prepare is where memory is planned; Run must not allocate on the hot
// path of a static-shape model.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "graph/ir.h"

namespace socd::backends {

enum class BackendKind { kCpu, kVulkan, kOpenCL, kNpu };
absl::string_view BackendKindName(BackendKind k);

// The numbers the cost model needs. Backends fill what they know; 0 means unknown.
struct BackendInfo {
  BackendKind kind = BackendKind::kCpu;
  std::string name;            // "cpu (AVX2, dnnl sgemm)", "vulkan: llvmpipe", ...
  bool unified_memory = true;  // can import host memory without copies
  double peak_gflops_fp32 = 0;
  double peak_gflops_fp16 = 0;  // fp16 arithmetic; 0 where the device has none (or unmeasured)
  double peak_gops_int8 = 0;
  double bandwidth_gbps = 0;
  double launch_overhead_us = 0;
  int threads = 1;
};

struct RunStats {
  size_t arena_bytes = 0;   // single arena holding all intermediates
  size_t tensor_bytes = 0;  // sum of all intermediates (what no reuse would need)
  bool dynamic = false;     // shapes depended on run-time values: no static plan
};

// One device a backend can open, as discovery reports it (socd-run --list-devices, socctl status).
struct DeviceDescription {
  BackendKind kind = BackendKind::kCpu;
  int index = 0;                // the --device number within its backend
  std::string name;             // "llvmpipe (LLVM 15.0.6, 256 bits)", "NVIDIA H100 80GB HBM3"
  std::string type;             // "cpu", "integrated-gpu", "discrete-gpu", "virtual-gpu", "other"
  std::string driver;           // driver name and version
  bool unified_memory = false;  // decided from memory flags / CL_DEVICE_HOST_UNIFIED_MEMORY
  uint64_t memory_bytes = 0;    // largest device-local heap / CL_DEVICE_GLOBAL_MEM_SIZE
  bool fp16 = false;            // fp16 arithmetic or 16-bit storage usable by socd's kernels
  bool int8 = false;
  int subgroup_size = 0;  // 0: unknown
};

class CompiledPartition {
 public:
  virtual ~CompiledPartition() = default;
  // Plans for these input shapes (order of the partition's graph inputs). Cheap when the
  // shapes are the ones already prepared.
  virtual absl::Status Prepare(const std::vector<graph::Shape>& input_shapes) = 0;
  // Runs on caller-owned inputs. `outputs` receives views valid until the next Run/Prepare;
  // string outputs may also point at the caller's string inputs (graph/string_store.h).
  // `out_dest` (optional, one pointer per graph output, null = no preference) names caller
  // memory of at least the planned output size (planned_outputs): the partition writes
  // those outputs there directly where it can, and copies (counted) where it cannot.
  virtual absl::Status Run(const std::vector<graph::TensorView>& inputs,
                           std::vector<graph::TensorView>& outputs,
                           const std::vector<void*>& out_dest = {}) = 0;
  // Output types and shapes (data null) of the static plan for the prepared input shapes;
  // empty when the plan is dynamic (shapes known only after running).
  virtual std::vector<graph::TensorView> planned_outputs() const = 0;
  virtual RunStats stats() const = 0;
};

struct CompileOptions {
  int threads = 1;
};

// The checks every CompiledPartition::Run starts with: as many inputs as the graph has, each of
// the declared dtype and with data. `who` prefixes messages ("vulkan", "opencl"; "" for cpu).
absl::Status CheckRunInputs(const graph::Graph& g, const std::vector<graph::TensorView>& inputs,
                            const std::string& who);

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const BackendInfo& info() const = 0;
  // OK if this backend can run the node; otherwise Unimplemented with the reason.
  virtual absl::Status Supports(const graph::Node& node) const = 0;
  // Compiles a (sub)graph whose every node is supported.
  virtual absl::StatusOr<std::unique_ptr<CompiledPartition>> Compile(
      std::shared_ptr<const graph::Graph> g, const CompileOptions& opts) = 0;
};

}  // namespace socd::backends
