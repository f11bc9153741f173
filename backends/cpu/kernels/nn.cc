// CPU kernels for the nn operator group.
#include "backends/cpu/kernel.h"

namespace socd::cpu {

void RegisterNnKernels(KernelRegistry& r) { (void)r; }

}  // namespace socd::cpu
