// Copyright servebench authors.
//
// docs/results.md lists the fields of the run record, the cell record, a level entry and the
// cell summary; the records must write exactly those, no more and no fewer.

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "servebench/records/cell_record.h"
#include "servebench/records/run_record.h"
#include "synthetic_records.h"

namespace servebench {
namespace {

using nlohmann::json;

std::string ResultsDoc() {
  std::ifstream in(std::string(SERVEBENCH_SOURCE_DIR) + "/docs/results.md");
  EXPECT_TRUE(in) << "docs/results.md not found";
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The `names` in the first column of the first table after the line starting with `anchor`.
std::set<std::string> DocumentedFields(const std::string& doc, const std::string& anchor) {
  std::set<std::string> names;
  size_t at = doc.find("\n" + anchor);
  EXPECT_NE(at, std::string::npos) << anchor;
  if (at == std::string::npos) return names;
  at = doc.find("\n|", at);
  bool in_table = false;
  std::istringstream lines(doc.substr(at + 1));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '|') {
      if (in_table) break;
      continue;
    }
    in_table = true;
    const std::string first = line.substr(1, line.find('|', 1) - 1);
    for (size_t open = first.find('`'); open != std::string::npos;
         open = first.find('`', open + 1)) {
      const size_t close = first.find('`', open + 1);
      if (close == std::string::npos) break;
      names.insert(first.substr(open + 1, close - open - 1));
      open = close;
    }
  }
  names.erase("field");  // the header row
  return names;
}

std::set<std::string> Keys(const json& j) {
  std::set<std::string> keys;
  for (const auto& [key, value] : j.items()) keys.insert(key);
  return keys;
}

TEST(ResultsDocsTest, ListsEveryFieldTheRecordsWrite) {
  const std::string doc = ResultsDoc();
  const std::vector<CellRecord> cells = testing::SyntheticCells();
  const json rate = cells[2].ToJson();  // a saturating rate sweep whose second level recovered
  ASSERT_EQ(rate["searches"].size(), 1u);
  ASSERT_TRUE(rate["levels"][1].contains("recovery_s"));

  EXPECT_EQ(DocumentedFields(doc, "## The run record"), Keys(testing::SyntheticRun().ToJson()));
  EXPECT_EQ(DocumentedFields(doc, "One per cell"), Keys(rate));
  EXPECT_EQ(DocumentedFields(doc, "A level entry"), Keys(rate["levels"][1]));
  EXPECT_EQ(DocumentedFields(doc, "`summary`"), Keys(rate["summary"]));
  EXPECT_EQ(DocumentedFields(doc, "A search entry"), Keys(rate["searches"][0]));
  EXPECT_EQ(DocumentedFields(doc, "`slo` (in the run"), Keys(rate["slo"]));
  const json accuracy = testing::SyntheticAccuracyCells()[1].ToJson();
  EXPECT_EQ(DocumentedFields(doc, "`accuracy`"), Keys(accuracy["accuracy"]));
}

}  // namespace
}  // namespace servebench
