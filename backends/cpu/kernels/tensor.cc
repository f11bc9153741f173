// CPU kernels for the tensor operator group.
#include "backends/cpu/kernel.h"

namespace socd::cpu {

void RegisterTensorKernels(KernelRegistry& r) { (void)r; }

}  // namespace socd::cpu
