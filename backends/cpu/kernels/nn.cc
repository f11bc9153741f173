// CPU kernels for the nn operator group. The kernels live in conv_*.cc, pool_kernels.cc,
// gemm_kernels.cc and norm_kernels.cc; this file registers them.
#include "backends/cpu/kernel.h"
#include "backends/cpu/kernels/conv_kernels.h"

namespace socd::cpu {

namespace pool_impl {
void RegisterPoolKernels(KernelRegistry& r);
}
namespace gemm_impl {
void RegisterGemmKernels(KernelRegistry& r);
}
namespace norm_impl {
void RegisterNormKernels(KernelRegistry& r);
}

void RegisterNnKernels(KernelRegistry& r) {
  r.Add({"", "Conv", 1, 1000, conv_impl::CreateConv});
  r.Add({"", "ConvTranspose", 1, 1000, conv_impl::CreateConvTranspose});
  pool_impl::RegisterPoolKernels(r);
  gemm_impl::RegisterGemmKernels(r);
  norm_impl::RegisterNormKernels(r);
}

}  // namespace socd::cpu
