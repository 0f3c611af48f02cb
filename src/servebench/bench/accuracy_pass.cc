// Copyright servebench authors.

#include "servebench/bench/accuracy_pass.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "servebench/protocols/http_client.h"

namespace servebench {

namespace {

using nlohmann::json;

std::optional<int64_t> IntegerAt(const json& card, const char* key) {
  const json* accuracy =
      card.is_object() && card.contains("accuracy") ? &card["accuracy"] : nullptr;
  if (accuracy == nullptr || !accuracy->is_object() || !accuracy->contains(key) ||
      !(*accuracy)[key].is_number_integer()) {
    return std::nullopt;
  }
  return (*accuracy)[key].get<int64_t>();
}

std::optional<double> NumberAt(const json& card, const char* key) {
  const json* accuracy =
      card.is_object() && card.contains("accuracy") ? &card["accuracy"] : nullptr;
  if (accuracy == nullptr || !accuracy->is_object() || !accuracy->contains(key) ||
      !(*accuracy)[key].is_number()) {
    return std::nullopt;
  }
  return (*accuracy)[key].get<double>();
}

std::string Share(double top1, int64_t correct, int64_t samples) {
  char text[96];
  std::snprintf(text, sizeof text, "%.2f%% (%lld of %lld)", 100 * top1,
                static_cast<long long>(correct), static_cast<long long>(samples));
  return text;
}

// Scores one response to the request for samples [first, first + n).
bool ScoreResponse(const ProtocolAdapter& adapter, const std::string& body, const TestData& data,
                   int64_t first, int64_t n, AccuracyCount* count, std::string* error) {
  std::vector<TensorValues> outputs;
  if (!adapter.ReadOutputs(body, &outputs, error)) return false;
  if (outputs.empty()) {
    *error = "the response has no outputs";
    return false;
  }
  const TensorValues& scores = outputs.front();
  const int64_t values = static_cast<int64_t>(scores.values.size());
  const bool batched = !scores.shape.empty() && scores.shape[0] == n;
  if ((!batched && n != 1) || values == 0 || values % n != 0) {
    *error = "output '" + scores.name + "' of shape " + json(scores.shape).dump() +
             " does not hold scores for " + std::to_string(n) + " samples";
    return false;
  }
  const int64_t per_sample = values / n;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t predicted = Top1Class(scores.values.data() + i * per_sample, per_sample);
    if (predicted == data.labels[static_cast<size_t>(first + i)]) ++count->correct;
  }
  count->samples += n;
  return true;
}

}  // namespace

int64_t Top1Class(const double* scores, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (std::isnan(scores[i])) return i;
    if (scores[i] > scores[best]) best = i;
  }
  return best;
}

bool RunAccuracyPass(const ProtocolAdapter& adapter, const std::string& base_url,
                     const std::string& model, const TestData& data, int batch,
                     int64_t request_timeout_ns, const std::atomic<bool>* interrupt,
                     AccuracyCount* count, std::string* error) {
  *count = AccuracyCount();
  std::vector<HttpCall> calls;
  if (!adapter.BuildInferCallsWithData(base_url, model, data.inputs, batch, &calls, error)) {
    return false;
  }
  for (size_t k = 0; k < calls.size(); ++k) {
    if (interrupt != nullptr && interrupt->load()) {
      count->interrupted = true;
      *error = "interrupted";
      return false;
    }
    const HttpCall& call = calls[k];
    const int64_t first = static_cast<int64_t>(k) * batch;
    const int64_t n = std::min<int64_t>(batch, data.samples() - first);
    const std::string which = "request " + std::to_string(k + 1) + " of " +
                              std::to_string(calls.size()) + " (samples " + std::to_string(first) +
                              " to " + std::to_string(first + n - 1) + ")";
    HttpReply reply;
    if (!HttpFetch(call.method, base_url + call.path, call.headers, call.body, request_timeout_ns,
                   &reply, error)) {
      *error = which + ": " + *error;
      return false;
    }
    ++count->requests;
    if (reply.status != 200) {
      *error = which + ": HTTP " + std::to_string(reply.status) + ": " + reply.body.substr(0, 300);
      return false;
    }
    if (!ScoreResponse(adapter, reply.body, data, first, n, count, error)) {
      *error = which + ": " + *error;
      return false;
    }
  }
  return true;
}

AccuracyRecord JudgeAccuracy(const AccuracyCount& count, const json& card, int batch,
                             const std::string& test_data) {
  AccuracyRecord r;
  r.test_data = test_data;
  r.batch = batch;
  r.requests = count.requests;
  r.samples = count.samples;
  r.correct = count.correct;
  r.top1 = count.samples > 0 ? static_cast<double>(count.correct) / count.samples : 0.0;
  r.card_samples = IntegerAt(card, "samples");
  r.card_correct = IntegerAt(card, "correct");
  r.card_top1 = NumberAt(card, "top1");
  const std::string server =
      "top-1 through the server " + Share(*r.top1, count.correct, count.samples);
  if (!r.card_correct || !r.card_samples) {
    r.warning = server + ", but the model card gives no accuracy.correct and .samples to compare";
  } else if (*r.card_samples != count.samples) {
    r.warning = server + ", but the card's accuracy is over " + std::to_string(*r.card_samples) +
                " samples: not the same test data";
  } else {
    r.differs_by = count.correct - *r.card_correct;
    if (std::llabs(*r.differs_by) > kAccuracyToleranceSamples) {
      const double card_top1 = static_cast<double>(*r.card_correct) / *r.card_samples;
      r.warning = server + " differs from the card's " +
                  Share(card_top1, *r.card_correct, *r.card_samples) + " by " +
                  std::to_string(std::llabs(*r.differs_by)) +
                  " samples: the server changes the model's answers";
    }
  }
  return r;
}

}  // namespace servebench
