// Copyright servebench authors.

#include "servebench/bench/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

namespace servebench {

namespace {

constexpr const char* kFileName = "journal.jsonl";

std::string JournalPath(const std::string& run_dir) {
  if (run_dir.empty()) return kFileName;
  return run_dir.back() == '/' ? run_dir + kFileName : run_dir + "/" + kFileName;
}

std::string SystemError(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// Cuts an unterminated last line (the write of a killed run) off the file, so that the next
// append starts on a line of its own. Read() ignores such a line too, so the two agree on which
// records exist.
bool TruncateTornTail(int fd, const std::string& path, std::string* error) {
  const off_t size = ::lseek(fd, 0, SEEK_END);
  if (size < 0) {
    *error = SystemError("cannot seek", path);
    return false;
  }
  off_t keep = size;
  char c = '\n';
  while (keep > 0) {
    if (::pread(fd, &c, 1, keep - 1) != 1) {
      *error = SystemError("cannot read", path);
      return false;
    }
    if (c == '\n') break;
    --keep;
  }
  if (keep == size) return true;
  if (::ftruncate(fd, keep) != 0) {
    *error = SystemError("cannot truncate the torn last line of", path);
    return false;
  }
  return true;
}

// Makes the creation of the journal itself durable: fsync of a file does not persist its name
// in the directory.
void SyncDirectory(const std::string& run_dir) {
  const int fd =
      ::open(run_dir.empty() ? "." : run_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

bool Journal::Open(const std::string& run_dir, Journal* journal, std::string* error) {
  const std::string path = JournalPath(run_dir);
  const bool existed = ::access(path.c_str(), F_OK) == 0;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = SystemError("cannot open the journal", path);
    return false;
  }
  if (!TruncateTornTail(fd, path, error)) {
    ::close(fd);
    return false;
  }
  std::FILE* file = ::fdopen(fd, "a");
  if (file == nullptr) {
    *error = SystemError("cannot open the journal", path);
    ::close(fd);
    return false;
  }
  if (!existed) SyncDirectory(run_dir);
  Journal opened;
  opened.file_ = file;
  *journal = std::move(opened);
  return true;
}

Journal::~Journal() {
  if (file_ != nullptr) std::fclose(file_);
}

Journal::Journal(Journal&& other) noexcept : file_(std::exchange(other.file_, nullptr)) {}

Journal& Journal::operator=(Journal&& other) noexcept {
  if (this != &other) {
    if (file_ != nullptr) std::fclose(file_);
    file_ = std::exchange(other.file_, nullptr);
  }
  return *this;
}

bool Journal::Append(const nlohmann::json& record, std::string* error) {
  if (file_ == nullptr) {
    *error = "the journal is not open";
    return false;
  }
  // dump() escapes every control character, so a record is exactly one line; invalid UTF-8
  // (a server's log tail) is replaced rather than losing the cell.
  std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line += '\n';
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    *error = std::string("cannot write the journal: ") + std::strerror(errno);
    return false;
  }
  if (::fsync(::fileno(file_)) != 0) {
    *error = std::string("cannot fsync the journal: ") + std::strerror(errno);
    return false;
  }
  return true;
}

std::string Journal::PathIn(const std::string& run_dir) { return JournalPath(run_dir); }

bool Journal::Read(const std::string& run_dir, std::vector<nlohmann::json>* records,
                   std::string* error, std::vector<int>* line_numbers) {
  const std::string path = JournalPath(run_dir);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errno = ENOENT;
    *error = SystemError("cannot read the journal", path);
    return false;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  records->clear();
  if (line_numbers != nullptr) line_numbers->clear();
  size_t start = 0;
  int line_number = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    ++line_number;
    if (end == std::string::npos) break;  // torn last line: the run died while writing it
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
    if (record.is_discarded() || !record.is_object()) {
      *error = path + " line " + std::to_string(line_number) +
               ": not a JSON object: " + line.substr(0, 80);
      return false;
    }
    records->push_back(std::move(record));
    if (line_numbers != nullptr) line_numbers->push_back(line_number);
  }
  return true;
}

}  // namespace servebench
