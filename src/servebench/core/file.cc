// Copyright servebench authors.

#include "servebench/core/file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace servebench {

bool ReadWholeFile(const std::string& path, std::string* contents, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    *error = "cannot read '" + path + "': " + std::strerror(errno);
    return false;
  }
  *contents = text.str();
  return true;
}

}  // namespace servebench
