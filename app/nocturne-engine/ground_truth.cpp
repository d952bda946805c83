#include "ground_truth.h"

namespace Nocturne::App {

using namespace Nocturne::Engine;

bool isOnEntity(const Estate &estate, const std::string &observed, const std::string &entity)
{
    if (observed == entity)
        return true;
    const auto arrow = observed.find("->");
    if (arrow != std::string::npos)
        return observed.compare(0, arrow, entity) == 0 || observed.compare(arrow + 2, std::string::npos, entity) == 0;
    // Walk up the parts hierarchy; a member of a group (a server of a training job) is on the group too.
    for (const Entity *e = estate.find(observed); e; e = e->parent.empty() ? nullptr : estate.find(e->parent)) {
        if (e->id == entity)
            return true;
        for (const Edge &edge : estate.edges) {
            if (edge.kind == EdgeKind::MemberOf && edge.from == e->id && edge.to == entity)
                return true;
        }
    }
    return false;
}

} // namespace Nocturne::App
