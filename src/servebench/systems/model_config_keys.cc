// Copyright servebench authors.

#include "servebench/systems/model_config_keys.h"

#include <limits>

namespace servebench {

const std::vector<std::string>& BatchingKeys() {
  static const std::vector<std::string> keys = {"dynamic_batching", "max_queue_delay_us",
                                                "preferred_batch_sizes", "max_batch_size"};
  return keys;
}

void ReadBatching(const Fields& fields, RepositoryOverrides* o) {
  IfPresent(fields, "dynamic_batching", [&](const YAML::Node& n, const std::string& p) {
    o->dynamic_batching = ReadBool(n, p);
  });
  if (!o->dynamic_batching) {
    RejectKeys(fields, {"max_queue_delay_us", "preferred_batch_sizes", "max_batch_size"},
               "applies only with dynamic_batching: true");
  }
  IfPresent(fields, "max_queue_delay_us", [&](const YAML::Node& n, const std::string& p) {
    o->max_queue_delay_us = ReadInteger(n, p, 0, std::numeric_limits<int64_t>::max());
  });
  ReadPositiveInt(fields, "max_batch_size", &o->max_batch_size);
  IfPresent(fields, "preferred_batch_sizes", [&](const YAML::Node& n, const std::string& p) {
    o->preferred_batch_sizes = ReadIntList(n, p, 1);
    for (size_t i = 0; i < o->preferred_batch_sizes.size(); ++i) {
      if (o->preferred_batch_sizes[i] > o->max_batch_size) {
        Fail(n[i], Element(p, i),
             "must be at most max_batch_size (" + std::to_string(o->max_batch_size) + "), got " +
                 std::to_string(o->preferred_batch_sizes[i]));
      }
    }
  });
}

void ReadPositiveInt(const Fields& fields, const std::string& key, int* value) {
  IfPresent(fields, key,
            [&](const YAML::Node& n, const std::string& p) { *value = ReadInt(n, p, 1); });
}

nlohmann::json ToJson(const RepositoryOverrides& o) {
  nlohmann::json out = {{"dynamic_batching", o.dynamic_batching},
                        {"instances", o.instances},
                        {"intra_op_threads", o.intra_op_threads}};
  if (o.dynamic_batching) {
    out["max_queue_delay_us"] = o.max_queue_delay_us;
    out["preferred_batch_sizes"] = o.preferred_batch_sizes;
    out["max_batch_size"] = o.max_batch_size;
  }
  return out;
}

std::string ReadBinary(const Fields& fields, const std::string& base_directory) {
  std::string binary;
  IfPresent(fields, "binary", [&](const YAML::Node& n, const std::string& p) {
    binary = ReadNonEmptyString(n, p);
    if (binary.find('/') != std::string::npos) binary = ResolvePath(binary, base_directory);
  });
  return binary;
}

}  // namespace servebench
