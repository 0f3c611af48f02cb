// Copyright servebench authors.

#include "servebench/records/search_record.h"

#include "servebench/records/optional_json.h"

namespace servebench {

using nlohmann::json;

json SearchRecord::ToJson() const {
  return {{"repeat", repeat},       {"kind", kind},           {"end", end},
          {"tolerance", tolerance}, {"found", OrNull(found)}, {"upper", OrNull(upper)},
          {"probes", probes}};
}

void SearchRecord::Read(JsonReader* in) {
  in->Field("repeat", &repeat);
  in->Field("kind", &kind);
  in->Field("end", &end);
  in->Field("tolerance", &tolerance);
  in->Field("found", &found);
  in->Field("upper", &upper);
  in->Field("probes", &probes);
}

}  // namespace servebench
