// Copyright servebench authors.

#include "servebench/systems/plan_files.h"

#include <filesystem>
#include <fstream>

namespace servebench {

namespace fs = std::filesystem;

bool FreshFolder(const std::string& path, std::string* error) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (!ec) fs::create_directories(path, ec);
  if (ec) {
    *error = "cannot create " + path + ": " + ec.message();
    return false;
  }
  return true;
}

bool WriteTextFile(const std::string& path, const std::string& text, std::string* error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    *error = "cannot write " + path;
    return false;
  }
  return true;
}

bool LinkTo(const std::string& target, const std::string& link, std::string* error) {
  std::error_code ec;
  fs::remove(link, ec);
  fs::create_symlink(target, link, ec);
  if (ec) {
    *error = "cannot link " + link + " to " + target + ": " + ec.message();
    return false;
  }
  return true;
}

}  // namespace servebench
