// Copyright servebench authors.

#include "servebench/report/file_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace servebench {

namespace {

bool Fail(const std::string& what, const std::string& path, std::string* error) {
  *error = what + " " + path + ": " + std::strerror(errno);
  return false;
}

}  // namespace

bool ReplaceFile(const std::string& path, const std::string& content, std::string* error) {
  const std::string temporary = path + ".tmp." + std::to_string(getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Fail("cannot create", temporary, error);
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Fail("cannot write", temporary, error);
      ::close(fd);
      ::unlink(temporary.c_str());
      return false;
    }
    written += static_cast<size_t>(n);
  }
  // Without the fsync a crash after the rename could leave an empty file under the final name.
  if (::fsync(fd) != 0) {
    Fail("cannot fsync", temporary, error);
    ::close(fd);
    ::unlink(temporary.c_str());
    return false;
  }
  ::close(fd);
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    Fail("cannot rename onto", path, error);
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

}  // namespace servebench
