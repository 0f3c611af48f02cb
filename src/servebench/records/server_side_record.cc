// Copyright servebench authors.

#include "servebench/records/server_side_record.h"

namespace servebench {

using nlohmann::json;

json ServerSideRecord::ToJson() const {
  return {{"requests", requests},
          {"inferences", inferences},
          {"executions", executions},
          {"queue_us_per_request", queue_us_per_request},
          {"compute_us_per_request", compute_us_per_request},
          {"request_us_per_request", request_us_per_request}};
}

void ServerSideRecord::Read(JsonReader* in) {
  in->Field("requests", &requests);
  in->Field("inferences", &inferences);
  in->Field("executions", &executions);
  in->Field("queue_us_per_request", &queue_us_per_request);
  in->Field("compute_us_per_request", &compute_us_per_request);
  in->Field("request_us_per_request", &request_us_per_request);
}

}  // namespace servebench
