// Copyright servebench authors.

#include <memory>
#include <vector>

#include "servebench/report/result_writer.h"

namespace servebench {

std::vector<std::unique_ptr<ResultWriter>> AllResultWriters() {
  std::vector<std::unique_ptr<ResultWriter>> writers;
  writers.push_back(NewJsonWriter());
  writers.push_back(NewCsvWriter());
  writers.push_back(NewMarkdownWriter());
  writers.push_back(NewHtmlWriter());
  return writers;
}

}  // namespace servebench
