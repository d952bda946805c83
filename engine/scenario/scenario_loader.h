#pragma once

#include <string>

#include "core/result.h"
#include "scenario/scenario.h"

namespace Nocturne::Engine {

// Parses a scenario file (see resources/scenarios/*.yaml). `sourceName` names the file in errors, which carry
// "file:line:column" in their context and say what was expected. The estate generator for GPU clusters runs here.
Result<Scenario> parseScenario(const std::string &yamlText, const std::string &sourceName);

} // namespace Nocturne::Engine
