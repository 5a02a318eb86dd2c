// `qforge models`: the zoo with its default recipes.
#include <fmt/format.h>

#include "cli/commands.h"
#include "zoo/zoo.h"

namespace qforge::cli {

Command AddModelsCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("models", "list the built-in models and their default recipes");
  auto verbose = std::make_shared<bool>(false);
  cmd->add_flag("-v,--verbose", *verbose, "also print each model's layers");
  return [verbose]() -> Status {
    for (const ZooModel& m : ZooModels()) {
      fmt::print("{:<10} {}\n{:<10} default: {} epochs, batch {}, {} lr {} ({} schedule)\n", m.name,
                 m.description, "", m.recipe.epochs, m.recipe.batch, m.recipe.optimizer,
                 m.recipe.lr, m.recipe.schedule);
      if (*verbose) {
        QF_ASSIGN_OR_RETURN(Graph g, m.build(1));
        fmt::print("{}\n", g.Summary());
      }
    }
    return Status::Ok();
  };
}

}  // namespace qforge::cli
