// Copyright servebench authors.
//
// gRPC status codes as servebench reports them: by name, and as the HTTP status that stands for
// each where results count HTTP statuses (the mapping of Google's API design guide, which gRPC
// gateways use). One table for the load engine, the records and the control-plane client.

#ifndef SERVEBENCH_LOAD_GRPC_STATUS_H_
#define SERVEBENCH_LOAD_GRPC_STATUS_H_

namespace servebench {

// Codes 0 (OK) .. 16 (UNAUTHENTICATED), as in grpc/status.h.
inline constexpr int kGrpcStatusCount = 17;
inline constexpr int kGrpcOk = 0;
inline constexpr int kGrpcDeadlineExceeded = 4;
inline constexpr int kGrpcNotFound = 5;
inline constexpr int kGrpcUnavailable = 14;

// "OK", "NOT_FOUND", ...; "UNKNOWN_CODE" outside 0..16.
const char* GrpcStatusName(int code);

// The code named `name`, or -1.
int GrpcStatusNamed(const char* name);

// 200 for OK, 404 for NOT_FOUND, 503 for UNAVAILABLE, 504 for DEADLINE_EXCEEDED, ...; 500 for a
// code outside 0..16.
int HttpStatusForGrpc(int code);

}  // namespace servebench

#endif  // SERVEBENCH_LOAD_GRPC_STATUS_H_
