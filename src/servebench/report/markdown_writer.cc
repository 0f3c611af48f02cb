// Copyright servebench authors.
//
// summary.md: what a reader of a run wants first. A header (run, config, SLO, price, machine),
// then per model variant its servers side by side, then per server its variants side by side
// with their accuracy and size from the model card (what compression buys and costs), then the
// accuracy measured through each server beside the card's, with its warnings, then the failed
// cells with their failure, then how to read the numbers.

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "servebench/report/cold_start_table.h"
#include "servebench/report/comparison.h"
#include "servebench/report/file_output.h"
#include "servebench/report/markdown_table.h"
#include "servebench/report/number_format.h"
#include "servebench/report/record_fields.h"
#include "servebench/report/result_writer.h"

namespace servebench {

namespace {

using nlohmann::json;

std::string Code(const std::string& text) { return "`" + text + "`"; }

std::string MarkdownSloText(const RunRecord& run) {
  return "latency " + run.slo.Describe() + ", goodput within " +
         FormatSignificant(run.slo.request_bound_us / 1000.0) + " ms";
}

std::string Plain(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", value);
  return buffer;
}

std::string MarkdownPriceText(const RunRecord& run) {
  const std::string currency = run.cost.CurrencyName();
  if (run.cost.hourly_price > 0) {
    return Plain(run.cost.hourly_price) + " " + currency + " per hour for the machine";
  }
  if (run.cost.hourly_price_per_core > 0) {
    return Plain(run.cost.hourly_price_per_core) + " " + currency +
           " per hour per core the server uses";
  }
  return "not priced";
}

std::string EnvironmentText(const json& environment) {
  std::vector<std::string> parts;
  if (std::string cpu = StringAt(environment, "cpu_model"); !cpu.empty()) parts.push_back(cpu);
  if (auto cores = NumberAt(environment, "cores")) {
    parts.push_back(FormatCount(cores) + " cores");
  }
  if (auto memory = NumberAt(environment, "memory_bytes")) {
    parts.push_back(FormatSize(memory) + " memory");
  }
  for (const char* key : {"kernel", "os"}) {
    if (std::string text = StringAt(environment, key); !text.empty()) parts.push_back(text);
  }
  if (std::string torch = StringAt(environment, "libraries.torch"); !torch.empty()) {
    parts.push_back("torch " + torch);
  }
  if (const json* gpus = FindPath(environment, "gpu"); gpus != nullptr && gpus->is_array()) {
    for (const json& gpu : *gpus) {
      if (std::string name = StringAt(gpu, "name"); !name.empty()) parts.push_back(name);
    }
  }
  if (parts.empty()) return "not recorded";
  std::string text;
  for (const std::string& part : parts) text += (text.empty() ? "" : ", ") + part;
  return text;
}

std::string AccuracyText(const json& card) {
  if (card.is_null()) return kMissing;
  if (auto top1 = CardTop1(card)) return FormatAccuracy(top1);
  return "n/a";  // the card says accuracy does not apply (e.g. untrained seeded weights)
}

// The metric columns both tables share, after their leading label columns.
std::vector<std::string> MetricHeader(const RunRecord& run) {
  return {"p50 (ms)",
          "p99 (ms)",
          "max throughput (inf/s)",
          "throughput within SLO (inf/s)",
          "cold start (s)",
          "CPU %",
          "RSS (MiB)",
          "cost per M inferences (" + run.cost.CurrencyName() + ")",
          "levels"};
}

// "1234", or "1234 ± 56 (3 repeats)" with the 95% confidence interval's half-width.
std::string MarkdownThroughputWithinSlo(const ComparisonRow& row) {
  std::string text = FormatRate(row.throughput_within_slo_rps);
  if (row.throughput_within_slo_lower && row.throughput_within_slo_upper) {
    text += " ± " +
            FormatRate((*row.throughput_within_slo_upper - *row.throughput_within_slo_lower) / 2) +
            " (" + std::to_string(row.repeats) + " repeats)";
  }
  return text;
}

// "7 ok", or the marks of the row's levels; empty without levels.
std::string MarkdownLevelsText(const ComparisonRow& row) {
  if (row.levels == 0) return "";
  const std::string marks = ValidityText(row, false);
  return marks.empty() ? std::to_string(row.levels) + " ok"
                       : marks + " of " + std::to_string(row.levels);
}

std::vector<std::string> MetricCells(const ComparisonRow& row) {
  return {FormatMillisFromMicros(row.p50_us),
          FormatMillisFromMicros(row.p99_us),
          FormatRate(row.max_throughput_rps),
          MarkdownThroughputWithinSlo(row),
          FormatSeconds(row.cold_start_s),
          FormatPercent(row.cpu_percent_mean),
          FormatMebibytes(row.rss_max_bytes),
          FormatCost(row.cost_per_million),
          MarkdownLevelsText(row)};
}

std::string Label(const std::string& name, const ComparisonRow& row) {
  return row.failed ? name + " (failed)" : name;
}

// "SLO: p90 <= 500 ms.\n\n" when the variant's cells were judged by an SLO other than the run's.
std::string OwnSlo(const RunRecord& run, const std::vector<ComparisonRow>& rows,
                   const std::string& variant) {
  for (const ComparisonRow& row : rows) {
    if (row.variant == variant && !row.slo.empty() && row.slo != run.slo.Describe()) {
      return "SLO of this variant: " + row.slo + ".\n\n";
    }
  }
  return "";
}

std::string ServersPerVariant(const RunRecord& run, const std::vector<ComparisonRow>& rows) {
  std::string out = "## Servers side by side, per model variant\n\n";
  for (const std::string& variant : VariantsOf(rows)) {
    TextTable table;
    table.header = {"server", "scenario"};
    for (std::string& h : MetricHeader(run)) table.header.push_back(std::move(h));
    table.right_aligned = {false, false, true, true, true, true, true, true, true, true, false};
    for (const ComparisonRow& row : rows) {
      if (row.variant != variant) continue;
      std::vector<std::string> cells = {Label(row.server, row), row.scenario};
      for (std::string& c : MetricCells(row)) cells.push_back(std::move(c));
      table.rows.push_back(std::move(cells));
    }
    out +=
        "### " + Code(variant) + "\n\n" + OwnSlo(run, rows, variant) + RenderMarkdown(table) + "\n";
  }
  return out;
}

std::string VariantsPerServer(const RunRecord& run, const std::vector<ComparisonRow>& rows) {
  std::string out = "## Model variants side by side, per server\n\n";
  for (const std::string& server : ServersOf(rows)) {
    TextTable table;
    table.header = {"variant",    "scenario",           "accuracy top-1",
                    "parameters", "nonzero parameters", "file size"};
    for (std::string& h : MetricHeader(run)) table.header.push_back(std::move(h));
    table.header.push_back("technique");
    table.right_aligned = {false, false, true, true, true, true, true,  true,
                           true,  true,  true, true, true, true, false, false};
    for (const ComparisonRow& row : rows) {
      if (row.server != server) continue;
      std::vector<std::string> cells = {Label(row.variant, row),
                                        row.scenario,
                                        AccuracyText(row.card),
                                        FormatCount(CardParameters(row.card)),
                                        FormatCount(NumberAt(row.card, "nonzero_parameters")),
                                        FormatSize(NumberAt(row.card, "file_size_bytes"))};
      for (std::string& c : MetricCells(row)) cells.push_back(std::move(c));
      const std::string technique = StringAt(row.card, "technique");
      cells.push_back(technique.empty() ? kMissing : technique);
      table.rows.push_back(std::move(cells));
    }
    out += "### " + Code(server) + "\n\n" + RenderMarkdown(table) + "\n";
  }
  return out;
}

std::string ColdStartSteps(const std::vector<CellRecord>& cells) {
  const TextTable table = ColdStartTable(cells, /*compact=*/false);
  if (table.rows.empty()) return "";
  return "## Cold start, step by step\n\n"
         "The mean over each cell's fresh server processes: spawn → ready (the server's "
         "readiness endpoint answers 2xx) → model ready (the model's readiness endpoint answers "
         "2xx) → first successful inference; and, where the server has a repository API, "
         "unloading the model and loading it again. A server that says ready only once its "
         "models have loaded has a model-ready step of about one poll (1 ms).\n\n" +
         RenderMarkdown(table) + "\n";
}

std::string CountOf(const std::optional<int64_t>& part, const std::optional<int64_t>& whole) {
  if (!part || !whole) return kMissing;
  return std::to_string(*part) + " / " + std::to_string(*whole);
}

std::string SignedCount(const std::optional<int64_t>& n) {
  if (!n) return kMissing;
  char text[32];
  std::snprintf(text, sizeof(text), *n == 0 ? "%lld" : "%+lld", static_cast<long long>(*n));
  return text;
}

std::string AccuracyThroughServer(const std::vector<CellRecord>& cells) {
  const std::vector<AccuracyRow> rows = AccuracyRows(cells);
  if (rows.empty()) return "";
  std::string warnings;
  TextTable table;
  table.header = {"variant",    "server",       "top-1 via server", "correct",
                  "card top-1", "card correct", "difference",       "note"};
  table.right_aligned = {false, false, true, true, true, true, true, false};
  for (const AccuracyRow& row : rows) {
    std::vector<std::string> cells_text = {row.failed ? row.variant + " (failed)" : row.variant,
                                           row.server};
    if (!row.accuracy) {
      for (int i = 0; i < 5; ++i) cells_text.push_back(kMissing);
      cells_text.push_back(row.failed ? "failed: see Failed cells" : "");
    } else {
      const AccuracyRecord& a = *row.accuracy;
      cells_text.push_back(FormatAccuracy(a.top1));
      cells_text.push_back(CountOf(a.correct, a.samples));
      cells_text.push_back(FormatAccuracy(a.card_top1));
      cells_text.push_back(CountOf(a.card_correct, a.card_samples));
      cells_text.push_back(SignedCount(a.differs_by));
      if (a.skipped) {
        cells_text.push_back("skipped: " + a.reason.value_or(""));
      } else if (a.warning) {
        cells_text.push_back("**warning**");
        warnings += "- **Warning:** " + Code(row.variant) + " on " + Code(row.server) + ": " +
                    *a.warning + "\n";
      } else {
        cells_text.push_back("agrees with the card");
      }
    }
    table.rows.push_back(std::move(cells_text));
  }
  return "## Accuracy through the server\n\n"
         "Each variant's test split sent once through the server and scored against its labels, "
         "beside the model card's top-1; more than one sample apart is a warning.\n\n" +
         (warnings.empty() ? "" : warnings + "\n") + RenderMarkdown(table) + "\n";
}

// A code fence longer than any run of backticks in `text`, so a log line cannot close it.
std::string FenceFor(const std::string& text) {
  size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<size_t>(3, longest + 1), '`');
}

std::string MarkdownFailedCells(const std::vector<CellRecord>& cells) {
  std::string out;
  for (const CellRecord& cell : cells) {
    if (cell.ok()) continue;
    out += "- " + Code(cell.cell_id) + ": ";
    const std::string message = cell.failure ? cell.failure->message : "";
    out += message.empty() ? "failed without a message" : message;
    if (cell.failure && cell.failure->exit && !cell.failure->exit->empty()) {
      out += " (server " + *cell.failure->exit + ")";
    }
    out += "\n";
    if (cell.failure && !cell.failure->log_tail.empty()) {
      std::string log;
      for (const std::string& line : cell.failure->log_tail) log += line + "\n";
      const std::string fence = FenceFor(log);
      out += "\n  Server log, last lines:\n\n  " + fence + "\n";
      size_t start = 0;
      while (start < log.size()) {
        const size_t end = log.find('\n', start);
        out += "  " + log.substr(start, end - start) + "\n";
        start = end + 1;
      }
      out += "  " + fence + "\n\n";
    }
  }
  if (out.empty()) return "";
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\n\n") != 0) out += "\n";
  return "## Failed cells\n\n" + out;
}

// "rate 400 req/s", "concurrency 16", with the repeat when there are several.
std::string LevelName(const CellRecord& cell, const LevelRecord& level) {
  char text[64];
  if (level.level.concurrency) {
    std::snprintf(text, sizeof text, "concurrency %d", *level.level.concurrency);
  } else {
    std::snprintf(text, sizeof text, "%s %s req/s", level.level.arrival.c_str(),
                  Plain(level.level.rate.value_or(0)).c_str());
  }
  std::string name = text;
  if (cell.repeats > 1) name += " (repeat " + std::to_string(level.repeat + 1) + ")";
  return name;
}

// What is wrong with a level, one phrase each; empty for a clean level.
std::vector<std::string> LevelMarks(const LevelRecord& level) {
  std::vector<std::string> marks;
  char text[200];
  if (level.inconclusive()) marks.push_back("**inconclusive**: " + level.slo_reason);
  if (level.max_duration_reached) {
    marks.push_back("unstable: its windows did not agree within max_duration");
  }
  if (level.generator_lag && level.generator_lag->flagged) {
    const GeneratorLagRecord& lag = *level.generator_lag;
    std::snprintf(text, sizeof text,
                  "generator lag: schedule lag p99 %s ms is %.0f%% of the p%g latency %s ms",
                  FormatSignificant(lag.schedule_lag_p99_us / 1000).c_str(), 100 * lag.share,
                  lag.percentile, FormatSignificant(lag.latency_us / 1000).c_str());
    marks.push_back(text);
  }
  if (level.noise && level.noise->disturbed) {
    std::snprintf(text, sizeof text, "noisy: %s%% of a core stolen, %s%% used by other processes",
                  FormatSignificant(level.noise->steal_percent, 2).c_str(),
                  FormatSignificant(level.noise->foreign_cpu_percent, 2).c_str());
    marks.push_back(text);
  }
  return marks;
}

// Every level with a mark, per cell, with the reasons.
std::string LevelValidity(const std::vector<CellRecord>& cells) {
  std::string out;
  for (const CellRecord& cell : cells) {
    std::string lines;
    for (const LevelRecord& level : cell.levels) {
      const std::vector<std::string> marks = LevelMarks(level);
      if (marks.empty()) continue;
      lines += "  - " + LevelName(cell, level) + ": ";
      for (size_t i = 0; i < marks.size(); ++i) lines += (i ? "; " : "") + marks[i];
      lines += "\n";
    }
    if (!lines.empty()) out += "- " + Code(cell.cell_id) + "\n" + lines;
  }
  if (out.empty()) return "";
  return "## Levels to read with care\n\n"
         "An inconclusive level had too few samples for early stopping to judge the SLO (it "
         "feeds no throughput within SLO, cost or verdict); an unstable one reached "
         "max_duration before its windows agreed; a lag mark means the generator's own lateness "
         "is a material part of the latency; a noisy level lost CPU to steal or other "
         "processes on its cores (docs/metrics.md).\n\n" +
         out + "\n";
}

// Each SLO search: its answer, the first value above it that did not meet the SLO, and how it
// ended.
std::string Searches(const std::vector<CellRecord>& cells) {
  std::string out;
  for (const CellRecord& cell : cells) {
    for (const SearchRecord& search : cell.searches) {
      const bool rate = search.kind == "rate";
      const std::string unit = rate ? " req/s" : "";
      out += "- " + Code(cell.cell_id);
      if (cell.repeats > 1) out += " repeat " + std::to_string(search.repeat + 1);
      out += ": " + std::string(rate ? "highest rate" : "best concurrency") + " within " +
             cell.slo.Describe() + ": " +
             (search.found ? Plain(*search.found) + unit : std::string("none"));
      if (search.upper) out += ", not met at " + Plain(*search.upper) + unit;
      out += " (" + search.end + ", " + std::to_string(search.probes.size()) +
             " probes, tolerance " + Plain(100 * search.tolerance) + "%)\n";
    }
  }
  if (out.empty()) return "";
  return "## SLO searches\n\n" + out + "\n";
}

std::string MarkdownNotes(const RunRecord& run) {
  return "## How to read these numbers\n\n"
         "- Latencies are per request, from the load level at the highest throughput within the "
         "SLO (" +
         MarkdownSloText(run) +
         "), or the first level when none meets it.\n"
         "- **Closed-loop latency hides queueing.** A concurrency sweep sends the next request "
         "only when one completes, so a slow server is offered less load and its latency looks "
         "better than an open-loop (rate) sweep at the same throughput would show.\n"
         "- Max throughput is the highest successful inferences per second at any level; "
         "throughput within SLO is the highest at a level shown, with early stopping, to meet "
         "the SLO (a saturating sweep searches it: the highest rate, or the best concurrency); "
         "an inconclusive level never counts. With repeats it is their mean, ± the half-width "
         "of its 95% confidence interval (Student t).\n"
         "- Cold start is the mean time from spawning a fresh server to its first successful "
         "inference (its steps in the section above). CPU % is the server process tree's mean (100 "
         "= one core) at the level the "
         "latencies come from; RSS is its peak over all levels.\n"
         "- Cost per million inferences is the hourly price divided by the inferences an hour at "
         "the throughput within SLO. Every number is defined in docs/results.md and "
         "docs/metrics.md.\n";
}

class MarkdownWriter : public ResultWriter {
 public:
  std::string file_name() const override { return "summary.md"; }
  bool Write(const RunRecord& run, const nlohmann::json& environment,
             const std::vector<CellRecord>& cells, const std::string& run_dir,
             std::string* error) const override {
    return ReplaceFile(JoinPath(run_dir, file_name()),
                       FormatSummaryMarkdown(run, environment, cells), error);
  }
};

}  // namespace

std::string FormatSummaryMarkdown(const RunRecord& run, const nlohmann::json& environment,
                                  const std::vector<CellRecord>& cells) {
  std::string out = "# servebench run " + Code(run.run_id) + "\n\n";
  out += "- Experiment: " + run.name + ", config " + Code(run.config_source) + "\n";
  const std::string finished = run.finished_at.value_or("");
  out += "- Started " + run.started_at + ", " +
         (finished.empty() ? std::string("not finished") : "finished " + finished) + "\n";
  out += "- SLO: " + MarkdownSloText(run) + "; price: " + MarkdownPriceText(run) + "\n";
  std::vector<std::string> mode;
  if (run.quick) mode.push_back("quick mode");
  if (!run.filter.empty()) mode.push_back("filter " + Code(run.filter));
  if (!mode.empty()) {
    out += "- Run with " + mode[0] + (mode.size() > 1 ? ", " + mode[1] : "") + "\n";
  }
  out += "- Machine: " + EnvironmentText(environment);
  if (!run.servebench_version.empty()) out += "; servebench " + run.servebench_version;
  out += "\n\n";

  size_t failed = 0;
  for (const CellRecord& cell : cells) failed += cell.ok() ? 0 : 1;
  out += std::to_string(cells.size()) + " cells, " + std::to_string(failed) + " failed.\n\n";

  const std::vector<ComparisonRow> rows = BuildComparison(cells);
  if (!rows.empty()) out += ServersPerVariant(run, rows) + VariantsPerServer(run, rows);
  out += ColdStartSteps(cells);
  out += AccuracyThroughServer(cells);
  out += Searches(cells);
  out += LevelValidity(cells);
  out += MarkdownFailedCells(cells);
  out += MarkdownNotes(run);
  return out;
}

std::unique_ptr<ResultWriter> NewMarkdownWriter() { return std::make_unique<MarkdownWriter>(); }

}  // namespace servebench
