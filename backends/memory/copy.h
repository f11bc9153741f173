// The one place socd copies tensor bytes between buffers (client <-> arena, host <-> device
// staging, an aliasing op that could not alias). Counting here is what makes "zero-copy"
// a measurable claim rather than a hope.
#pragma once

#include <cstddef>
#include <cstdint>

namespace socd::memory {

void CopyBytes(void* dst, const void* src, size_t bytes);

// Bytes copied by this process since start (all threads).
uint64_t BytesCopied();
// Bytes copied by the calling thread since start; per-request accounting reads it before/after.
uint64_t ThreadBytesCopied();

}  // namespace socd::memory
