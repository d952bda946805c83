#pragma once

#include <string>

#include "scenario/scenario.h"

namespace Nocturne::App {

// Whether something observed on `observed` (an entity id, or a call edge "caller->callee") is on `entity`: the entity
// itself, one of its parts (a pod of a service, a port of a switch), a member of it, or a call edge into or out of it.
// Used to match findings against a scenario's injected faults.
bool isOnEntity(const Engine::Estate &estate, const std::string &observed, const std::string &entity);

} // namespace Nocturne::App
