// A folder of the fuzz targets' own, made once per process, for the readers that take a path.
#ifndef SERVEBENCH_TESTS_FUZZ_FUZZ_FILES_H_
#define SERVEBENCH_TESTS_FUZZ_FUZZ_FILES_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace servebench::fuzz {

// <$TMPDIR or /tmp>/servebench-fuzz-XXXXXX, made on the first call; dies if it cannot be made.
inline const std::string& Folder() {
  static const std::string folder = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/servebench-fuzz-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    return pattern;
  }();
  return folder;
}

// Replaces `path` with the bytes given; dies if it cannot.
inline void WriteFile(const std::string& path, const uint8_t* data, size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  if (std::fclose(f) != 0) std::abort();
}

}  // namespace servebench::fuzz

#endif  // SERVEBENCH_TESTS_FUZZ_FUZZ_FILES_H_
