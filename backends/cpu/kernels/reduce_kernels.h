// Registration entry points of the reduce group's kernel files; RegisterReduceKernels
// (kernel.h) calls them all.
#pragma once

#include "backends/cpu/kernel.h"

namespace socd::cpu {

void RegisterArgReduceKernels(KernelRegistry& r);  // ArgMax, ArgMin, CumSum, TopK
void RegisterSoftmaxKernels(KernelRegistry& r);    // Softmax, LogSoftmax, Hardmax

}  // namespace socd::cpu
