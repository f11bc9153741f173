// CPU kernels for the quant operator group.
#include "backends/cpu/kernel.h"

namespace socd::cpu {

void RegisterQuantKernels(KernelRegistry& r) { (void)r; }

}  // namespace socd::cpu
