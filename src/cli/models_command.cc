// `qforge models [--verbose] [--json]`: the zoo with its default recipes.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "zoo/zoo.h"

namespace qforge::cli {
namespace {

struct ModelsFlags {
  bool verbose = false, json = false;
};

Status RunModels(const ModelsFlags& f) {
  nlohmann::json models = nlohmann::json::array();
  for (const ZooModel& m : ZooModels()) {
    const Recipe& r = m.recipe;
    std::string layers;
    if (f.verbose) {
      QF_ASSIGN_OR_RETURN(Graph g, m.build(1));
      layers = g.Summary();
    }
    if (f.json) {
      nlohmann::json j{{"name", m.name},
                       {"description", m.description},
                       {"recipe", {{"epochs", r.epochs}, {"batch", r.batch}, {"optimizer", r.optimizer}, {"lr", r.lr},
                                   {"weight_decay", r.weight_decay}, {"schedule", r.schedule},
                                   {"warmup_steps", r.warmup_steps}}}};
      if (f.verbose) j["layers"] = layers;
      models.push_back(std::move(j));
      continue;
    }
    fmt::print("{:<10} {}\n{:<10} default: {} epochs, batch {}, {} lr {} ({} schedule)\n", m.name, m.description, "",
               r.epochs, r.batch, r.optimizer, r.lr, r.schedule);
    if (f.verbose) fmt::print("{}\n", layers);
  }
  if (f.json) fmt::print("{}\n", nlohmann::json{{"models", models}}.dump());
  return Status::Ok();
}

}  // namespace

Command AddModelsCommand(CLI::App& app) {
  auto f = std::make_shared<ModelsFlags>();
  auto* cmd = app.add_subcommand("models", "list the built-in models and their default recipes");
  cmd->add_flag("-v,--verbose", f->verbose, "also print each model's layers");
  AddJsonFlag(*cmd, &f->json);
  SetExamples(*cmd, {"qforge models", "qforge models --verbose", "qforge models --json"});
  return {nullptr, [f] { return RunModels(*f); }};
}

}  // namespace qforge::cli
