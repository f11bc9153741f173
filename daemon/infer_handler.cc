#include "daemon/infer_handler.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "scheduler/batcher.h"

namespace socd::daemon {

namespace infer_handler_impl {

using Clock = std::chrono::steady_clock;

uint64_t Ns(Clock::time_point a, Clock::time_point b) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count());
}

void RecordSuccess(const PreparedRequest& p, Clock::time_point t_end) {
  ModelStats& st = p.model->stats;
  st.success_count++;
  st.success_ns += Ns(p.t_start, t_end);
  st.queue_count++;
  st.queue_ns += Ns(p.t_queue, p.t_run);
  st.compute_input_ns += Ns(p.t_start, p.t_queue);
  st.compute_infer_ns += Ns(p.t_run, p.t_ran);
  st.compute_output_ns += Ns(p.t_ran, t_end);
  st.inference_count += p.rows;
  st.last_inference_ms =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
}

}  // namespace infer_handler_impl

absl::Status InferHandler::Infer(const inference::ModelInferRequest& req,
                                 inference::ModelInferResponse* resp,
                                 const std::function<bool()>& cancelled,
                                 std::chrono::steady_clock::time_point deadline, uint64_t client) {
  using namespace infer_handler_impl;  // NOLINT: file-local helpers
  PreparedRequest p;
  p.t_start = Clock::now();
  auto model_or = repo_->Get(req.model_name(), req.model_version());
  if (!model_or.ok()) return model_or.status();
  p.model = *std::move(model_or);
  LoadedModel& model = *p.model;
  auto fail = [&](absl::Status s) {
    model.stats.fail_count++;
    model.stats.fail_ns += Ns(p.t_start, Clock::now());
    return s;
  };
  p.resp = resp;
  p.cancelled = cancelled;
  if (absl::Status s = PrepareRequest(*shm_, limits_, req, p); !s.ok()) return fail(s);
  if (p.timeout_us > 0) {
    deadline = std::min(deadline, p.t_start + std::chrono::microseconds(p.timeout_us));
  }
  scheduler::RequestInfo info;
  info.priority = p.priority;
  info.deadline = deadline;
  info.client = client;
  info.rows = p.rows;
  info.cancelled = cancelled;
  info.payload = &p;
  if (model.queue->options().batching.max_batch_size > 1)
    info.batch_key = scheduler::BatchKey(p.views);
  p.t_queue = Clock::now();
  auto batch = model.queue->Acquire(info);
  if (!batch.ok()) return fail(batch.status());
  if (!batch->empty()) {
    // This request runs the batch (possibly just itself).
    if (absl::Status s = RunBatch(*batch, model); !s.ok()) return fail(s);
  }
  RecordSuccess(p, Clock::now());
  return absl::OkStatus();
}

absl::Status InferHandler::RunAlone(PreparedRequest& p, LoadedModel& model) {
  scheduler::Session& session = *model.session;
  // With a static plan the output sizes are known before running, so each output is written
  // by its kernel straight into the client's shared-memory region or the response message:
  // no staging copy. Outputs whose size is only known after running are copied (counted).
  std::vector<graph::Shape> in_shapes;
  in_shapes.reserve(p.views.size());
  for (const auto& v : p.views) in_shapes.push_back(v.shape);
  const std::vector<graph::TensorView> planned = session.PlannedOutputs(in_shapes);
  std::vector<void*> dest(session.outputs().size(), nullptr);
  p.resp->clear_raw_output_contents();
  p.resp->clear_outputs();
  PlaceOutputs(planned, p, dest);
  std::vector<graph::TensorView> outs;
  p.t_run = infer_handler_impl::Clock::now();
  absl::Status run = session.Run(p.views, outs, dest);
  p.t_ran = infer_handler_impl::Clock::now();
  if (!run.ok()) return run;
  return WriteOutputs(outs, p);
}

}  // namespace socd::daemon
