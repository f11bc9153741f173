// The runner's side of dynamic batching: stack the members' inputs along dim 0, run the model
// once, hand each member its rows of the outputs. Every member keeps its own status: a member
// whose client left is dropped before the run, and if the stacked run fails (or the model's
// outputs do not keep the batch dimension) each member runs alone, so no request fails
// because of another.
#include <chrono>

#include "daemon/infer_handler.h"
#include "scheduler/batcher.h"

namespace socd::daemon {

namespace infer_batch_impl {
using Clock = std::chrono::steady_clock;
uint64_t Ns(Clock::time_point a, Clock::time_point b) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count());
}
}  // namespace infer_batch_impl

absl::Status InferHandler::RunBatch(scheduler::Batch& batch, LoadedModel& model) {
  using infer_batch_impl::Clock;
  using infer_batch_impl::Ns;
  const size_t n = batch.size();
  std::vector<PreparedRequest*> members(n);
  std::vector<absl::Status> status(n);
  std::vector<size_t> live;
  uint32_t rows = 0;
  for (size_t i = 0; i < n; ++i) {
    members[i] = static_cast<PreparedRequest*>(batch.payload(i));
    // A request that ran at once was not abandoned meanwhile; asking gRPC costs a poll of its
    // completion queue (ServerContext::IsCancelled), so only members that waited are asked.
    if (n > 1 && members[i]->cancelled && members[i]->cancelled()) {
      status[i] = absl::CancelledError("the client cancelled the request");
      continue;
    }
    live.push_back(i);
    rows += members[i]->rows;
  }
  bool stacked_ok = false;
  if (live.size() > 1) {
    const auto t0 = Clock::now();
    std::vector<std::vector<graph::TensorView>> ins;
    for (size_t i : live) ins.push_back(members[i]->views);
    const std::vector<graph::Tensor> stacked = scheduler::ConcatRows(ins);
    std::vector<graph::TensorView> views;
    for (const auto& t : stacked) views.push_back(t.view());
    std::vector<graph::TensorView> outs;
    const auto t_run = Clock::now();
    absl::Status run = model.session->Run(views, outs);
    const auto t_ran = Clock::now();
    stacked_ok = run.ok();
    for (const auto& o : outs) stacked_ok = stacked_ok && !o.shape.empty() && o.shape[0] == rows;
    if (stacked_ok) {
      int64_t row = 0;
      for (size_t i : live) {
        PreparedRequest& p = *members[i];
        p.t_run = t_run;
        p.t_ran = t_ran;
        std::vector<graph::TensorView> mine;
        for (const auto& o : outs) mine.push_back(scheduler::RowSlice(o, row, p.rows));
        row += p.rows;
        status[i] = WriteOutputs(mine, p);
      }
      model.stats.RecordExecution(rows, Ns(t0, t_run), Ns(t_run, t_ran), Ns(t_ran, Clock::now()));
    }
  }
  if (!stacked_ok) {
    for (size_t i : live) {
      PreparedRequest& p = *members[i];
      status[i] = RunAlone(p, model);
      if (status[i].ok()) {
        model.stats.RecordExecution(p.rows, 0, Ns(p.t_run, p.t_ran), Ns(p.t_ran, Clock::now()));
      }
    }
  }
  batch.Release();  // outputs are out of the model's arena: the next batch may run
  for (size_t i = 1; i < n; ++i) batch.Complete(i, status[i]);
  return status[0];
}

}  // namespace socd::daemon
