#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "scenario/scenario.h"

namespace Nocturne::Engine {

// Built-in scenarios are compiled into the engine as Qt resources (resources/scenarios/*.yaml); a path to a .yaml
// file loads a custom one.
std::vector<std::string> builtinScenarioNames();
// `nameOrPath`: a built-in name ("shop", "gpu-cluster") or a path to a scenario file.
Result<Scenario> loadScenario(const std::string &nameOrPath);

} // namespace Nocturne::Engine
