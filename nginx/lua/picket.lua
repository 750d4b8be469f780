-- Picket's Lua balancer: membership and weights without reloading nginx (nginx.mode: lua).
--
-- Picket POSTs the live set of every lua-managed upstream to the sync location (nginx/lua-sync.conf);
-- it is validated whole, then stored in the lua_shared_dict `picket`, which every worker reads and
-- which survives reloads (an nginx restart empties it; Picket notices the missing generation and
-- pushes again). Each `balancer_by_lua_block` Picket renders names its upstream and the stamp of the
-- server lines it was rendered with: a set pushed against other server lines (the file was rewritten
-- since) is ignored, and nginx balances over the file's own server lines until the next push.
local cjson = require("cjson.safe")
local balancer = require("ngx.balancer")

local _M = {}

local dict = ngx.shared.picket
local secret

-- This worker's copy of the pushed document, decoded once per generation.
local cached_generation
local cached = {}
-- Per worker, per upstream: smooth weighted round robin state and least_conn counts by address.
local current = {}
local active = {}
-- Whether this worker's set balances any upstream least_conn: only then do requests need counting out.
local counting = false

local MAX_PEERS = 100000
local MAX_WEIGHT = 1000000

local function read_secret(path)
    local file, err = io.open(path, "r")
    if not file then
        return nil, err
    end
    local text = file:read("*a") or ""
    file:close()
    text = text:gsub("%s+$", "")
    if #text < 16 then
        return nil, path .. " holds fewer than 16 characters"
    end
    return text
end

-- Called from init_by_lua_block with { secret_file = PATH }: the shared secret Picket sends as
-- X-Picket-Token. Without a readable secret the sync location refuses every request.
function _M.init(options)
    local value, err = read_secret(options.secret_file)
    if not value then
        ngx.log(ngx.ERR, "picket: no shared secret (", err, "): the sync endpoint refuses every push")
    end
    secret = value
end

local function constant_time_equal(a, b)
    if type(a) ~= "string" or type(b) ~= "string" or #a ~= #b then
        return false
    end
    local difference = 0
    for i = 1, #a do
        difference = bit.bor(difference, bit.bxor(a:byte(i), b:byte(i)))
    end
    return difference == 0
end

local function parse_address(text)
    if type(text) ~= "string" or #text > 64 then
        return nil
    end
    local a, b, c, d, port = text:match("^(%d+)%.(%d+)%.(%d+)%.(%d+):(%d+)$")
    if not a then
        return nil
    end
    for _, octet in ipairs({ a, b, c, d }) do
        if tonumber(octet) > 255 then
            return nil
        end
    end
    port = tonumber(port)
    if port < 1 or port > 65535 then
        return nil
    end
    return a .. "." .. b .. "." .. c .. "." .. d, port
end

local METHODS = { round_robin = true, least_conn = true }

-- The whole document or an error: nothing is stored unless every part of it is valid.
local function validate(document)
    if type(document) ~= "table" then
        return nil, "the body is not a JSON object"
    end
    local generation = document.generation
    if type(generation) ~= "string" or not generation:match("^[0-9a-f]+$") or #generation > 64 then
        return nil, "generation must be a hex string"
    end
    local upstreams = document.upstreams
    if type(upstreams) ~= "table" then
        return nil, "upstreams must be an object"
    end
    local count = 0
    for name, upstream in pairs(upstreams) do
        count = count + 1
        if type(name) ~= "string" or not name:match("^[%w_.-]+$") or #name > 128 then
            return nil, "bad upstream name"
        end
        if type(upstream) ~= "table" then
            return nil, "upstream " .. name .. " is not an object"
        end
        if type(upstream.stamp) ~= "string" or not upstream.stamp:match("^[0-9a-f]+$") or #upstream.stamp > 64 then
            return nil, "upstream " .. name .. ": stamp must be a hex string"
        end
        if not METHODS[upstream.method] then
            return nil, "upstream " .. name .. ": unknown method"
        end
        local peers = upstream.peers
        if type(peers) ~= "table" or #peers > MAX_PEERS then
            return nil, "upstream " .. name .. ": peers must be a list"
        end
        local seen = {}
        for index, peer in pairs(peers) do
            if type(index) ~= "number" or type(peer) ~= "table" then
                return nil, "upstream " .. name .. ": peers must be a list of objects"
            end
            local host = parse_address(peer.address)
            if not host then
                return nil, "upstream " .. name .. ": bad address"
            end
            if seen[peer.address] then
                return nil, "upstream " .. name .. ": duplicate address"
            end
            seen[peer.address] = true
            local weight = peer.weight
            if type(weight) ~= "number" or weight ~= math.floor(weight) or weight < 1 or weight > MAX_WEIGHT then
                return nil, "upstream " .. name .. ": weight must be a whole number from 1"
            end
            if type(peer.backup) ~= "boolean" then
                return nil, "upstream " .. name .. ": backup must be true or false"
            end
        end
    end
    if count > 100000 then
        return nil, "too many upstreams"
    end
    return document
end

local function reply(status, body)
    ngx.status = status
    ngx.header["Content-Type"] = "application/json"
    ngx.say(cjson.encode(body))
    return ngx.exit(status)
end

-- content_by_lua for the sync location: GET answers the stored generation, POST replaces the set.
function _M.sync()
    if not secret or not constant_time_equal(ngx.req.get_headers()["X-Picket-Token"], secret) then
        return reply(403, { error = "forbidden" })
    end
    local method = ngx.req.get_method()
    if method == "GET" then
        return reply(200, { generation = dict:get("generation") or "" })
    end
    if method ~= "POST" then
        return reply(405, { error = "GET or POST" })
    end
    ngx.req.read_body()
    local body = ngx.req.get_body_data()
    if not body then
        return reply(400, { error = "empty body, or larger than client_body_buffer_size" })
    end
    local document, err = validate(cjson.decode(body))
    if not document then
        return reply(400, { error = err })
    end
    local ok, set_err = dict:set("document", body)
    if not ok then
        return reply(500, { error = "lua_shared_dict picket: " .. tostring(set_err) })
    end
    dict:set("generation", document.generation)
    return reply(200, { generation = document.generation })
end

local function load()
    local generation = dict:get("generation")
    if generation == cached_generation then
        return
    end
    local document = cjson.decode(dict:get("document") or "")
    cached = {}
    counting = false
    if document then
        for name, upstream in pairs(document.upstreams) do
            local primaries, backups = {}, {}
            for _, peer in ipairs(upstream.peers) do
                local host, port = parse_address(peer.address)
                local pool = peer.backup and (name .. "#backup") or name
                local record = { address = peer.address, host = host, port = port, weight = peer.weight, pool = pool }
                table.insert(peer.backup and backups or primaries, record)
            end
            cached[name] = { stamp = upstream.stamp, method = upstream.method, primaries = primaries, backups = backups }
            counting = counting or upstream.method == "least_conn"
        end
        cached_generation = document.generation
        if not counting then
            active = {} -- nothing counts requests out any more: drop counts that could only go stale
        end
    else
        cached_generation = generation
    end
end

-- The table under `name` in `tables`, made on first use.
local function entry(tables, name)
    local found = tables[name]
    if not found then
        found = {}
        tables[name] = found
    end
    return found
end

-- Smooth weighted round robin, as nginx's own: every peer gains its weight, the richest is picked and
-- pays the total. `skip` holds the peers this request already tried.
local function pick_round_robin(name, peers, skip)
    local state = entry(current, name)
    local total, best = 0, nil
    for _, peer in ipairs(peers) do
        if not skip[peer.address] then
            local value = (state[peer.address] or 0) + peer.weight
            state[peer.address] = value
            total = total + peer.weight
            if not best or value > state[best.address] then
                best = peer
            end
        end
    end
    if best then
        state[best.address] = state[best.address] - total
    end
    return best
end

-- Fewest active requests per unit of weight in this worker (nginx's least_conn without a zone also
-- counts per worker); ties go round robin.
local function pick_least_conn(name, peers, skip)
    local counts = entry(active, name)
    local best_load, tied = nil, {}
    for _, peer in ipairs(peers) do
        if not skip[peer.address] then
            local load = (counts[peer.address] or 0) / peer.weight
            if not best_load or load < best_load then
                best_load, tied = load, { peer }
            elseif load == best_load then
                table.insert(tied, peer)
            end
        end
    end
    if #tied == 0 then
        return nil
    end
    return pick_round_robin(name, tied, skip)
end

local function release(ctx)
    local previous = ctx.picket_peer
    if previous then
        local counts = active[previous.pool]
        if counts and counts[previous.address] then
            counts[previous.address] = math.max(0, counts[previous.address] - 1)
        end
    end
    ctx.picket_peer = nil
end

-- balancer_by_lua for one upstream: `stamp` is that of the server lines rendered around this call.
function _M.balance(name, stamp)
    load()
    local upstream = cached[name]
    if not upstream or upstream.stamp ~= stamp then
        return -- no set for these server lines: nginx balances over them itself
    end
    local ctx = ngx.ctx
    local skip = entry(ctx, "picket_tried")
    release(ctx)
    local pick = upstream.method == "least_conn" and pick_least_conn or pick_round_robin
    local peer = pick(name, upstream.primaries, skip) or pick(name .. "#backup", upstream.backups, skip)
    if not peer then
        ngx.log(ngx.ERR, "picket: no server of upstream ", name, " may take this request")
        return ngx.exit(502)
    end
    skip[peer.address] = true
    if not ctx.picket_more_tries then
        ctx.picket_more_tries = true
        local others = #upstream.primaries + #upstream.backups - 1
        if others > 0 then
            balancer.set_more_tries(others)
        end
    end
    local ok, err = balancer.set_current_peer(peer.host, peer.port)
    if not ok then
        ngx.log(ngx.ERR, "picket: cannot use ", peer.address, ": ", err)
        return ngx.exit(502)
    end
    ctx.picket_peer = peer
    if upstream.method == "least_conn" then
        local counts = entry(active, peer.pool)
        counts[peer.address] = (counts[peer.address] or 0) + 1
    end
end

-- log_by_lua: a request that ends gives its least_conn slot back.
function _M.done()
    if counting then
        release(ngx.ctx)
    end
end

return _M
