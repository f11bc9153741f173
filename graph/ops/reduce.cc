// Shape inference for the reduce operator group.
#include "graph/op_schema.h"

namespace socd::graph {

void RegisterReduceOps(OpRegistry& r) { (void)r; }

}  // namespace socd::graph
