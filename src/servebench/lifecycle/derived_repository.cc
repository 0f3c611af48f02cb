// Copyright servebench authors.

#include "servebench/lifecycle/derived_repository.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "servebench/lifecycle/pbtxt.h"

namespace servebench {

namespace fs = std::filesystem;

namespace {

PbtxtField Scalar(const std::string& name, const std::string& token) {
  PbtxtField f;
  f.name = name;
  f.scalar = token;
  return f;
}

PbtxtField Message(const std::string& name, std::vector<PbtxtField> fields) {
  PbtxtField f;
  f.name = name;
  f.is_message = true;
  f.message.fields = std::move(fields);
  return f;
}

// Replaces every top-level `field.name` with `field`, where the first of them was (at the end
// when there was none), so that the rewritten file keeps the original's order.
void Set(PbtxtMessage* config, PbtxtField field) {
  const size_t at = config->Remove(field.name);
  config->fields.insert(config->fields.begin() + static_cast<std::ptrdiff_t>(at), std::move(field));
}

bool ParseInt(const std::string& token, int64_t* out) {
  auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), *out);
  return ec == std::errc() && ptr == token.data() + token.size();
}

}  // namespace

bool RewriteModelConfig(const std::string& text, const std::string& origin,
                        const RepositoryOverrides& config, std::string* out, std::string* error) {
  PbtxtMessage model;
  if (!ParsePbtxt(text, &model, error)) {
    *error = origin + ": " + *error;
    return false;
  }
  if (config.instances < 1) {
    *error = "server '" + config.server_name + "': instances must be at least 1";
    return false;
  }
  if (config.intra_op_threads < 1) {
    *error = "server '" + config.server_name + "': intra_op_threads must be at least 1";
    return false;
  }

  int64_t original_max_batch = 0;
  if (const PbtxtField* f = model.Find("max_batch_size"); f != nullptr) {
    if (f->is_message || !ParseInt(f->scalar, &original_max_batch)) {
      *error = origin + ": max_batch_size is not an integer";
      return false;
    }
  }
  model.Remove("dynamic_batching");
  if (config.dynamic_batching) {
    if (original_max_batch <= 0) {
      *error = origin + ": server '" + config.server_name +
               "' asks for dynamic batching, but the model has no batch dimension "
               "(max_batch_size 0)";
      return false;
    }
    if (config.max_batch_size < 1) {
      *error = "server '" + config.server_name + "': max_batch_size must be at least 1";
      return false;
    }
    Set(&model, Scalar("max_batch_size", std::to_string(config.max_batch_size)));
    std::vector<PbtxtField> batching;
    for (int size : config.preferred_batch_sizes) {
      if (size < 1 || size > config.max_batch_size) {
        *error = "server '" + config.server_name + "': preferred batch size " +
                 std::to_string(size) + " is outside 1..max_batch_size (" +
                 std::to_string(config.max_batch_size) + ")";
        return false;
      }
      batching.push_back(Scalar("preferred_batch_size", std::to_string(size)));
    }
    if (config.max_queue_delay_us < 0) {
      *error = "server '" + config.server_name + "': max_queue_delay_us must not be negative";
      return false;
    }
    batching.push_back(
        Scalar("max_queue_delay_microseconds", std::to_string(config.max_queue_delay_us)));
    // At the end, where a reader of the derived file looks for what servebench added.
    model.fields.push_back(Message("dynamic_batching", std::move(batching)));
  }

  std::string kind = "KIND_CPU";
  if (const PbtxtField* group = model.Find("instance_group"); group && group->is_message) {
    if (const PbtxtField* k = group->message.Find("kind"); k && !k->is_message) kind = k->scalar;
  }
  Set(&model, Message("instance_group",
                      {Scalar("count", std::to_string(config.instances)), Scalar("kind", kind)}));

  // parameters is a map: one entry per key. Only the thread count's entry is replaced.
  const std::string kThreadKey = "INTRA_OP_THREAD_COUNT";
  size_t at = model.fields.size();
  for (size_t i = 0; i < model.fields.size();) {
    const PbtxtField& f = model.fields[i];
    const PbtxtField* key = f.is_message ? f.message.Find("key") : nullptr;
    if (f.name == "parameters" && key != nullptr && PbtxtUnquote(key->scalar) == kThreadKey) {
      if (at == model.fields.size()) at = i;
      model.fields.erase(model.fields.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  if (at == model.fields.size()) {
    // No entry yet: after the last parameters entry, or at the end.
    for (size_t i = 0; i < model.fields.size(); ++i) {
      if (model.fields[i].name == "parameters") at = i + 1;
    }
  }
  model.fields.insert(
      model.fields.begin() + static_cast<std::ptrdiff_t>(at),
      Message("parameters",
              {Scalar("key", PbtxtQuote(kThreadKey)),
               Message("value", {Scalar("string_value",
                                        PbtxtQuote(std::to_string(config.intra_op_threads)))})}));

  *out = "# Derived by servebench from " + origin + " for server '" + config.server_name + "'.\n" +
         WritePbtxt(model);
  return true;
}

bool WriteDerivedRepository(const RepositoryOverrides& config, const ModelVariant& variant,
                            const std::string& work_dir, std::string* repository,
                            std::string* error) {
  std::error_code ec;
  const fs::path original = fs::absolute(fs::path(variant.repository) / variant.name, ec);
  const fs::path original_config = original / "config.pbtxt";
  std::ifstream in(original_config, std::ios::binary);
  if (ec || !in) {
    *error = "model '" + variant.name + "': cannot read " + original_config.string();
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string rewritten;
  if (!RewriteModelConfig(text.str(), original_config.string(), config, &rewritten, error)) {
    return false;
  }

  const fs::path root = fs::absolute(fs::path(work_dir) / "repository", ec);
  const fs::path model_dir = root / variant.name;
  fs::remove_all(model_dir, ec);
  if (!ec) fs::create_directories(model_dir, ec);
  if (ec) {
    *error = "cannot create " + model_dir.string() + ": " + ec.message();
    return false;
  }
  for (const fs::directory_entry& entry : fs::directory_iterator(original, ec)) {
    const fs::path name = entry.path().filename();
    if (name == "config.pbtxt") continue;
    fs::create_symlink(entry.path(), model_dir / name, ec);
    if (ec) {
      *error = "cannot link " + (model_dir / name).string() + ": " + ec.message();
      return false;
    }
  }
  if (ec) {
    *error = "cannot list " + original.string() + ": " + ec.message();
    return false;
  }
  std::ofstream config_out(model_dir / "config.pbtxt", std::ios::binary | std::ios::trunc);
  config_out << rewritten;
  config_out.close();
  if (!config_out) {
    *error = "cannot write " + (model_dir / "config.pbtxt").string();
    return false;
  }
  *repository = root.string();
  return true;
}

}  // namespace servebench
