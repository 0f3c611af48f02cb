// Copyright servebench authors.
//
// Every registered serving-system kind, and every key it takes, is in docs/config.md's table of
// server keys, with the kind named in the key's "Kinds" column: a kind added without its
// documentation fails here.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "servebench/systems/serving_system.h"

namespace servebench {
namespace {

// The table rows of the "## servers" section: key -> its "Kinds" column.
std::map<std::string, std::string> ServerKeyRows(const std::string& docs) {
  std::map<std::string, std::string> rows;
  const size_t start = docs.find("\n## servers\n");
  const size_t end = docs.find("\n## ", start + 1);
  std::istringstream section(docs.substr(start, end - start));
  for (std::string line; std::getline(section, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream row(line.substr(1));
    for (std::string cell; std::getline(row, cell, '|');) cells.push_back(cell);
    if (cells.size() < 4) continue;
    const std::string key = cells[0].substr(cells[0].find('`') + 1);
    rows[key.substr(0, key.find('`'))] = cells[3];
  }
  return rows;
}

TEST(KindsDocumentedTest, EveryKindAndKeyIsInTheServersTable) {
  std::ifstream in(std::string(SERVEBENCH_SOURCE_DIR) + "/docs/config.md");
  ASSERT_TRUE(in) << "docs/config.md not found";
  std::stringstream text;
  text << in.rdbuf();
  const std::map<std::string, std::string> rows = ServerKeyRows(text.str());
  ASSERT_TRUE(rows.count("kind")) << "no servers table";
  int kinds = 0;
  for (const std::string& kind : ServingSystemKinds()) {
    if (kind.rfind("test-", 0) == 0) continue;  // registered by this test program's other files
    ++kinds;
    EXPECT_NE(text.str().find("`" + kind + "`"), std::string::npos) << kind;
    for (const std::string& key : FindServingSystem(kind)->keys()) {
      const auto row = rows.find(key);
      ASSERT_NE(row, rows.end()) << "key '" << key << "' of kind " << kind << " is undocumented";
      EXPECT_NE(row->second.find(kind), std::string::npos)
          << "the row of '" << key << "' does not name kind " << kind << ":" << row->second;
    }
  }
  EXPECT_GE(kinds, 6);
}

}  // namespace
}  // namespace servebench
