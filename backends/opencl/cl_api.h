// The OpenCL headers as socd uses them (OpenCL 1.2 API: what PoCL and most embedded drivers
// offer) and the one way a failing driver call becomes an absl::Status.
#pragma once

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>

#include <string>

#include "absl/status/status.h"

namespace socd::opencl {

// "CL_OUT_OF_RESOURCES", ... ("CL_ERROR(-9999)" for codes the headers do not name).
std::string ClErrorName(cl_int err);

// A Status naming the call and the error code; out-of-memory codes map to RESOURCE_EXHAUSTED.
absl::Status ClError(const std::string& call, cl_int err);

}  // namespace socd::opencl

// Returns ClError("clFoo", err) from the enclosing function when `expr` (a clFoo(...) call
// returning cl_int) fails. The call's name is the text before its '('.
#define SOCD_CL_RETURN_IF_ERROR(expr)                                                  \
  do {                                                                                 \
    const cl_int socd_cl_err_ = (expr);                                                \
    if (socd_cl_err_ != CL_SUCCESS) {                                                  \
      const std::string socd_cl_call_ = #expr;                                         \
      return ::socd::opencl::ClError(socd_cl_call_.substr(0, socd_cl_call_.find('(')), \
                                     socd_cl_err_);                                    \
    }                                                                                  \
  } while (0)
