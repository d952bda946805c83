#include "proposal_book.h"

#include <algorithm>
#include <set>

namespace Nocturne::Engine {

const char *roleName(Role role)
{
    switch (role) {
    case Role::Viewer: return "viewer";
    case Role::Operator: return "operator";
    case Role::Admin: return "admin";
    }
    return "viewer";
}

std::optional<Role> roleFromName(const std::string &name)
{
    for (Role r : {Role::Viewer, Role::Operator, Role::Admin})
        if (name == roleName(r))
            return r;
    return std::nullopt;
}

const char *approvalRuleName(ApprovalRule rule)
{
    switch (rule) {
    case ApprovalRule::None: return "none";
    case ApprovalRule::One: return "one";
    case ApprovalRule::Two: return "two";
    }
    return "one";
}

const char *proposalStateName(ProposalState state)
{
    switch (state) {
    case ProposalState::Proposed: return "proposed";
    case ProposalState::AwaitingApproval: return "awaiting_approval";
    case ProposalState::Approved: return "approved";
    case ProposalState::Rejected: return "rejected";
    case ProposalState::Expired: return "expired";
    case ProposalState::Running: return "running";
    case ProposalState::Verifying: return "verifying";
    case ProposalState::Succeeded: return "succeeded";
    case ProposalState::Failed: return "failed";
    case ProposalState::RolledBack: return "rolled_back";
    }
    return "proposed";
}

std::optional<ProposalState> proposalStateFromName(const std::string &name)
{
    for (int i = 0; i <= int(ProposalState::RolledBack); ++i)
        if (name == proposalStateName(ProposalState(i)))
            return ProposalState(i);
    return std::nullopt;
}

bool isFinal(ProposalState state)
{
    switch (state) {
    case ProposalState::Rejected:
    case ProposalState::Expired:
    case ProposalState::Succeeded:
    case ProposalState::RolledBack:
        return true;
    case ProposalState::Failed: // may still be rolled back
    default:
        return false;
    }
}

int Proposal::approvals() const
{
    std::set<std::string> people;
    for (const Decision &d : decisions)
        if (d.approve)
            people.insert(d.user);
    return int(people.size());
}

Proposal &ProposalBook::add(Proposal proposal, Timestamp now, Duration ttl)
{
    std::lock_guard lock(m_mutex);
    proposal.id = m_nextId++;
    proposal.created = proposal.updated = now;
    proposal.expires = now + ttl;
    proposal.state = proposal.rule == ApprovalRule::None ? ProposalState::Approved : ProposalState::AwaitingApproval;
    return m_proposals[proposal.id] = std::move(proposal);
}

std::optional<Proposal> ProposalBook::get(std::int64_t id) const
{
    std::lock_guard lock(m_mutex);
    auto it = m_proposals.find(id);
    if (it == m_proposals.end())
        return std::nullopt;
    return it->second;
}

std::vector<Proposal> ProposalBook::all() const
{
    std::lock_guard lock(m_mutex);
    std::vector<Proposal> out;
    for (const auto &[id, p] : m_proposals)
        out.push_back(p);
    return out;
}

void ProposalBook::restore(std::vector<Proposal> proposals)
{
    std::lock_guard lock(m_mutex);
    for (Proposal &p : proposals) {
        m_nextId = std::max(m_nextId, p.id + 1);
        m_proposals[p.id] = std::move(p);
    }
}

Proposal *ProposalBook::find(std::int64_t id)
{
    auto it = m_proposals.find(id);
    return it == m_proposals.end() ? nullptr : &it->second;
}

namespace {
Status refuse(const std::string &why, std::int64_t id)
{
    return makeError(ErrorCode::InvalidArgument, why, "proposal " + std::to_string(id));
}
} // namespace

Status ProposalBook::approve(std::int64_t id, const Actor &actor, const std::string &reason, Timestamp now)
{
    std::lock_guard lock(m_mutex);
    Proposal *p = find(id);
    if (!p)
        return makeError(ErrorCode::NotFound, "no such proposal", "proposal " + std::to_string(id));
    if (p->state == ProposalState::AwaitingApproval && now > p->expires) {
        p->state = ProposalState::Expired;
        p->updated = now;
        p->message = "expired before enough approvals";
    }
    if (p->state != ProposalState::AwaitingApproval)
        return refuse(std::string("not awaiting approval (") + proposalStateName(p->state) + ")", id);
    if (actor.user.empty())
        return refuse("an approval needs a signed-in person", id);
    if (reason.find_first_not_of(" \t\r\n") == std::string::npos)
        return refuse("an approval needs a reason", id);
    if (actor.role == Role::Viewer)
        return refuse(actor.user + " is a viewer and cannot approve", id);
    if (std::find(p->approverRoles.begin(), p->approverRoles.end(), actor.role) == p->approverRoles.end())
        return refuse(std::string("role ") + roleName(actor.role) + " may not approve this action", id);
    if (p->excludeProposer && actor.user == p->proposer)
        return refuse(actor.user + " proposed this and may not approve it", id);
    for (const Decision &d : p->decisions)
        if (d.user == actor.user)
            return refuse(actor.user + " has already decided on this proposal (another session does not make another person)", id);
    p->decisions.push_back(Decision{actor.user, actor.session, true, reason, now});
    p->updated = now;
    if (p->approvals() >= p->approvalsNeeded()) {
        p->state = ProposalState::Approved;
        p->message = "approved by " + std::to_string(p->approvals()) + (p->approvals() == 1 ? " person" : " people");
    } else {
        p->message = "1 of 2 approvals";
    }
    return {};
}

Status ProposalBook::reject(std::int64_t id, const Actor &actor, const std::string &reason, Timestamp now)
{
    std::lock_guard lock(m_mutex);
    Proposal *p = find(id);
    if (!p)
        return makeError(ErrorCode::NotFound, "no such proposal", "proposal " + std::to_string(id));
    if (p->state != ProposalState::AwaitingApproval && p->state != ProposalState::Approved)
        return refuse(std::string("cannot reject a proposal that is ") + proposalStateName(p->state), id);
    if (actor.user.empty() || actor.role == Role::Viewer)
        return refuse("only a signed-in operator or admin can reject", id);
    if (reason.find_first_not_of(" \t\r\n") == std::string::npos)
        return refuse("a rejection needs a reason", id);
    p->decisions.push_back(Decision{actor.user, actor.session, false, reason, now});
    p->state = ProposalState::Rejected;
    p->updated = now;
    p->message = "rejected by " + actor.user;
    return {};
}

std::vector<std::int64_t> ProposalBook::expire(Timestamp now)
{
    std::lock_guard lock(m_mutex);
    std::vector<std::int64_t> out;
    for (auto &[id, p] : m_proposals) {
        if ((p.state == ProposalState::AwaitingApproval || p.state == ProposalState::Approved) && now > p.expires) {
            p.state = ProposalState::Expired;
            p.updated = now;
            p.message = "expired (time to live passed before it ran)";
            out.push_back(id);
        }
    }
    return out;
}

Status ProposalBook::start(std::int64_t id, Timestamp now)
{
    std::lock_guard lock(m_mutex);
    Proposal *p = find(id);
    if (!p)
        return makeError(ErrorCode::NotFound, "no such proposal", "proposal " + std::to_string(id));
    if (m_killSwitch)
        return refuse("automation is paused (kill switch)", id);
    if (p->state == ProposalState::Approved && now > p->expires) {
        p->state = ProposalState::Expired;
        p->updated = now;
        p->message = "expired (time to live passed before it ran)";
    }
    if (p->state != ProposalState::Approved)
        return refuse(std::string("only an approved proposal can run (this one is ") + proposalStateName(p->state) + ")", id);
    if (p->approvals() < p->approvalsNeeded())
        return refuse("not enough approvals", id); // defence in depth: state and decisions must agree
    p->state = ProposalState::Running;
    p->updated = now;
    p->message = "running";
    return {};
}

Status ProposalBook::transition(std::int64_t id, ProposalState to, Timestamp now, const std::string &message)
{
    std::lock_guard lock(m_mutex);
    Proposal *p = find(id);
    if (!p)
        return makeError(ErrorCode::NotFound, "no such proposal", "proposal " + std::to_string(id));
    const ProposalState from = p->state;
    const bool legal = (from == ProposalState::Running && (to == ProposalState::Verifying || to == ProposalState::Failed ||
                                                           to == ProposalState::Succeeded))
                       || (from == ProposalState::Verifying && (to == ProposalState::Succeeded || to == ProposalState::Failed))
                       || (from == ProposalState::Failed && to == ProposalState::RolledBack)
                       || (from == ProposalState::Succeeded && to == ProposalState::RolledBack);
    if (!legal)
        return refuse(std::string("illegal transition ") + proposalStateName(from) + " → " + proposalStateName(to), id);
    p->state = to;
    p->updated = now;
    p->message = message;
    return {};
}

Status ProposalBook::setPlan(std::int64_t id, const std::string &planJson, const std::string &dryRunOutput)
{
    std::lock_guard lock(m_mutex);
    Proposal *p = find(id);
    if (!p)
        return makeError(ErrorCode::NotFound, "no such proposal", "proposal " + std::to_string(id));
    p->planJson = planJson;
    p->dryRunOutput = dryRunOutput;
    return {};
}

Status ProposalBook::setOutcome(std::int64_t id, const std::string &outcomeJson)
{
    std::lock_guard lock(m_mutex);
    Proposal *p = find(id);
    if (!p)
        return makeError(ErrorCode::NotFound, "no such proposal", "proposal " + std::to_string(id));
    p->outcomeJson = outcomeJson;
    return {};
}

bool ProposalBook::note(std::int64_t id, const std::string &message)
{
    std::lock_guard lock(m_mutex);
    Proposal *p = find(id);
    if (!p || p->message == message)
        return false;
    p->message = message;
    return true;
}

void ProposalBook::setKillSwitch(bool engaged)
{
    std::lock_guard lock(m_mutex);
    m_killSwitch = engaged;
}

bool ProposalBook::killSwitch() const
{
    std::lock_guard lock(m_mutex);
    return m_killSwitch;
}

std::string RateGate::acquire(const std::string &key, const Limits &limits, Timestamp now)
{
    std::lock_guard lock(m_mutex);
    std::vector<Timestamp> &starts = m_starts[key];
    if (!starts.empty() && limits.cooldown > 0 && now - starts.back() < limits.cooldown)
        return "in cooldown: " + std::to_string(limits.cooldown / kSecond) + " s after the last start";
    if (limits.maxExecutions > 0 && limits.window > 0) {
        const auto recent = std::count_if(starts.begin(), starts.end(), [&](Timestamp t) { return now - t < limits.window; });
        if (recent >= limits.maxExecutions)
            return "rate limit: " + std::to_string(limits.maxExecutions) + " executions per window reached";
    }
    starts.push_back(now);
    if (starts.size() > 1000)
        starts.erase(starts.begin(), starts.begin() + 500);
    return {};
}

void RateGate::restore(const std::string &key, Timestamp startedAt)
{
    std::lock_guard lock(m_mutex);
    auto &starts = m_starts[key];
    starts.insert(std::upper_bound(starts.begin(), starts.end(), startedAt), startedAt);
}

} // namespace Nocturne::Engine
