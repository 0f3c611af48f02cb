// Copyright servebench authors.

#include "servebench/load/grpc_status.h"

#include <cstring>

namespace servebench {

namespace {

struct CodeInfo {
  const char* name;
  int http_status;
};

constexpr CodeInfo kCodes[kGrpcStatusCount] = {
    {"OK", 200},
    {"CANCELLED", 499},
    {"UNKNOWN", 500},
    {"INVALID_ARGUMENT", 400},
    {"DEADLINE_EXCEEDED", 504},
    {"NOT_FOUND", 404},
    {"ALREADY_EXISTS", 409},
    {"PERMISSION_DENIED", 403},
    {"RESOURCE_EXHAUSTED", 429},
    {"FAILED_PRECONDITION", 400},
    {"ABORTED", 409},
    {"OUT_OF_RANGE", 400},
    {"UNIMPLEMENTED", 501},
    {"INTERNAL", 500},
    {"UNAVAILABLE", 503},
    {"DATA_LOSS", 500},
    {"UNAUTHENTICATED", 401},
};

bool Known(int code) { return code >= 0 && code < kGrpcStatusCount; }

}  // namespace

const char* GrpcStatusName(int code) { return Known(code) ? kCodes[code].name : "UNKNOWN_CODE"; }

int GrpcStatusNamed(const char* name) {
  for (int code = 0; code < kGrpcStatusCount; ++code) {
    if (std::strcmp(kCodes[code].name, name) == 0) return code;
  }
  return -1;
}

int HttpStatusForGrpc(int code) { return Known(code) ? kCodes[code].http_status : 500; }

}  // namespace servebench
