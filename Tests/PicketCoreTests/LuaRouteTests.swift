import Testing

@testable import PicketCore

/// Which way an apply reaches nginx in `lua` mode, and what is pushed: decided from values alone.
@Suite struct LuaRouteTests {
    let one = "10.0.0.1:80", two = "10.0.0.2:80", three = "10.0.0.3:80"

    func set(_ apps: [AppSpec], out: Set<String> = []) -> UpstreamSet {
        UpstreamSet(apps: apps) { id, _ in out.contains(id.address.description) ? .out : .serving(rampStep: nil) }
    }

    @Test func serversLeavingAndJoiningGoThroughLuaForRoundRobinAndLeastConn() {
        for balance in [Balance.roundRobin, .leastConn] {
            let apps = [app([one, two, three], balance: balance)]
            let live = set(apps)
            #expect(ApplyRoute.choose(mode: .lua, live: live, desired: set(apps, out: [two])) == .lua)
            #expect(ApplyRoute.choose(mode: .lua, live: set(apps, out: [two]), desired: live) == .lua)
            #expect(ApplyRoute.choose(mode: .lua, live: live, desired: live) == .lua, "a set equal to the file's is pushed too: the dict may hold another")
            #expect(ApplyRoute.choose(mode: .reload, live: live, desired: set(apps, out: [two])) == .file(.reloadMode))
        }
    }

    @Test func hashMethodsStreamAppsAndHostNamesKeepTheReloadPath() throws {
        let hashed = [app([one, two], balance: .ipHash)]
        #expect(ApplyRoute.choose(mode: .lua, live: set(hashed), desired: set(hashed, out: [two])) == .file(.notCarried(hashed[0].name)))
        var stream = app([one, two], name: "cache")
        stream.context = .stream
        #expect(ApplyRoute.choose(mode: .lua, live: set([stream]), desired: set([stream], out: [one])) == .file(.notCarried(stream.name)))
        let named = [app(["api.internal:80", two])]
        #expect(ApplyRoute.choose(mode: .lua, live: set(named), desired: set(named, out: [two])) == .file(.notCarried(named[0].name)))
        let mixed = hashed.map { spec in
            var renamed = spec
            renamed.name = try! AppName(validating: "sticky")
            return renamed
        } + [app([one, two])]
        #expect(ApplyRoute.choose(mode: .lua, live: set(mixed), desired: set(mixed, out: [two])) == .file(.notCarried(mixed[0].name)),
            "one app the balancer cannot carry sends the whole change through the file")
        let unchangedHash = set(mixed)
        var onlyWeb = unchangedHash
        onlyWeb.upstreams[1] = set([app([one, two])], out: [two]).upstreams[0]
        #expect(ApplyRoute.choose(mode: .lua, live: unchangedHash, desired: onlyWeb) == .lua, "an app the balancer cannot carry may stay as it is")
    }

    @Test func changesThatNeedNginxSyntaxTakeTheFile() {
        let web = app([one, two])
        let live = set([web])
        #expect(ApplyRoute.choose(mode: .lua, live: nil, desired: live) == .file(.noLiveFile))
        #expect(ApplyRoute.choose(mode: .lua, live: live, desired: set([web, app([three], name: "api")])) == .file(.appsChanged))
        var leastConn = web
        leastConn.balance = .leastConn
        #expect(ApplyRoute.choose(mode: .lua, live: live, desired: set([leastConn])) == .file(.structure(web.name)))
        var pooled = web
        pooled.keepalive = 16
        #expect(ApplyRoute.choose(mode: .lua, live: live, desired: set([pooled])) == .file(.structure(web.name)))
    }

    @Test func anAppLeftWithoutServersTakesTheFileAndComesBackThroughLua() {
        let web = app([one, two], whenAllDown: .failClosed)
        let live = set([web])
        let none = set([web], out: [one, two])
        #expect(ApplyRoute.choose(mode: .lua, live: live, desired: none) == .file(.noServer(web.name)), "nginx's down lines answer 502")
        #expect(LuaDocument(desired: none, live: none).entries.isEmpty, "no set for it: nginx balances over its own down lines")
        #expect(ApplyRoute.choose(mode: .lua, live: none, desired: set([web], out: [two])) == .lua)
        let open = app([one, two])
        #expect(ApplyRoute.choose(mode: .lua, live: set([open]), desired: set([open], out: [one, two])) == .lua, "fail_open keeps every server serving")
    }

    @Test func slowStartRampStepsAreWeightChangesThatGoThroughLua() {
        var spec = app([one, two])
        spec.slowStart = .seconds(20)
        var world = Harness(apps: [spec])
        world.run(for: .seconds(2))
        let file = try! #require(world.applies.last).upstreams
        world.answers[two] = refused
        world.run(for: .seconds(3))
        world.answers[two] = nil
        world.run(for: .seconds(30))
        let ramp = world.applies.dropFirst(2).map(\.upstreams)
        #expect(ramp.count >= 4, "rejoin, two more steps, full weight")
        #expect(ramp.allSatisfy { ApplyRoute.choose(mode: .lua, live: file, desired: $0) == .lua })
        #expect(Set(ramp.map { LuaDocument(desired: $0, live: file).generation }).count == ramp.count, "each step is a new generation")
    }

    @Test func theDocumentHoldsTheServingPeersStampedWithTheFilesLines() throws {
        var web = app([one, two, three])
        web.instances[2].backup = true
        web.instances[0].weight = 3
        let hashed = app([one], name: "sticky", balance: .ipHash)
        let live = set([web, hashed])
        let desired = set([web, hashed], out: [two])
        let document = LuaDocument(desired: desired, live: live)
        let stamp = LuaBalancer.stamp(live.upstreams[0])
        #expect(document.entries.map(\.name) == [web.name], "only upstreams the balancer carries")
        #expect(stamp != LuaBalancer.stamp(desired.upstreams[0]), "the stamp names the file's lines, not the desired ones")
        #expect(document.json == #"{"generation":"\#(document.generation)","upstreams":{"web":{"stamp":"\#(stamp)","method":"round_robin","peers":[{"address":"10.0.0.1:80","weight":3,"backup":false},{"address":"10.0.0.3:80","weight":1,"backup":true}]}}}"#)
        #expect(LuaDocument(desired: desired, live: live).generation == document.generation, "the generation names the content")
        #expect(LuaDocument(desired: live, live: live).generation != document.generation)
        #expect(document.generation.count == 16 && stamp.count == 16)
    }

    /// Stamps and generations must name the same content in every Picket (a restarted one reads the
    /// stamp a predecessor rendered): FNV-1a 64 in 16 lowercase hex digits, leading zeros kept.
    @Test func theDigestIsFNV1aIn16HexDigits() {
        #expect(FNV1a.hex("") == "cbf29ce484222325")
        #expect(FNV1a.hex("a") == "af63dc4c8601ec8c")
        #expect(FNV1a.hex("foobar") == "85944171f73967e8")
        #expect(FNV1a.hex("picket3000") == "00a111b0d02369aa")
    }
}
