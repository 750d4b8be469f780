import PicketCore

/// The two moments an apply meets the Lua balancer.
extension LuaSync {
    /// Carries `plan` to nginx through Lua while its file holds `live`, and logs it; on failure the
    /// caller takes the file path.
    func apply(_ plan: ApplyPlan, against live: UpstreamSet) async -> Result<Void, LuaSyncClient.Failure> {
        let started = ContinuousClock.now
        let document = LuaDocument(desired: plan.upstreams, live: live)
        let pushed = await push(document, fallback: "falling back to the file and a reload")
        if case .success = pushed { ApplyLog.lua(plan, generation: document.generation, took: ContinuousClock.now - started, to: logger) }
        return pushed
    }

    /// After a file apply: the file's new lines carry new stamps, so the set is pushed against them and
    /// a set meant for the old lines can never apply. A failure here is the checks' to repair: the file
    /// holds the same set meanwhile.
    func follow(file: UpstreamSet) async {
        _ = await push(LuaDocument(desired: file, live: file), fallback: "the file holds the set meanwhile")
    }
}
