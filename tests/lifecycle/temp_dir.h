// Copyright servebench authors.
//
// A fresh folder per test, removed with its contents when the test ends.

#ifndef SERVEBENCH_TESTS_LIFECYCLE_TEMP_DIR_H_
#define SERVEBENCH_TESTS_LIFECYCLE_TEMP_DIR_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace servebench::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "servebench-lifecycle-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp " << pattern;
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace servebench::testing

#endif  // SERVEBENCH_TESTS_LIFECYCLE_TEMP_DIR_H_
