// Registration of the tensor-group kernels, one function per kernels/tensor_*.cc file;
// RegisterTensorKernels (tensor.cc) calls them all.
#pragma once

#include "backends/cpu/kernel.h"

namespace socd::cpu {

void RegisterTensorMovementKernels(KernelRegistry& r);  // tensor_movement.cc
void RegisterTensorSliceKernels(KernelRegistry& r);     // tensor_slice.cc: Slice, Pad
void RegisterTensorGatherKernels(KernelRegistry& r);    // tensor_gather.cc
void RegisterTensorCreateKernels(KernelRegistry& r);    // tensor_create.cc
void RegisterTensorResizeKernels(KernelRegistry& r);    // tensor_resize.cc

}  // namespace socd::cpu
