-- POST /api/progress/events: a batch of 10 fresh events per request, each request from
-- a different logged-in learner with its CSRF cookie and X-CSRFToken header.
--
-- Event ids are valid version-4 UUIDs, unique across threads and runs: a random
-- per-thread prefix (seeded from BENCH_SALT and the thread number), the thread number
-- itself and a per-thread counter. Verbs: 80% "progressed", 15% "viewed", 5% "completed";
-- activities rotate over the course's activities (BENCH_ACTIVITIES, one UUID a line).
-- Each response's "stored" count is added up and reported by done().
local bench = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local sessions, activities
local p1, p2, p3, p4
local counter = 0
local BATCH = tonumber(os.getenv("BENCH_BATCH") or "10")

setup = bench.setup
done = bench.done

function init(args)
  sessions = bench.sessions()
  activities = bench.lines(os.getenv("BENCH_ACTIVITIES"))
  bench.init_counters()
  math.randomseed((tonumber(os.getenv("BENCH_SALT") or "0") or 0) + 7919 * (tid + 1))
  p1, p2 = math.random(0, 0xffff), math.random(0, 0xffff)
  p3, p4 = math.random(0, 0xfff), math.random(0, 0xffff)
end

local function uuid4()
  counter = counter + 1
  -- xxxxxxxx-tttt-4xxx-Vxxx-xxxxcccccccc (t: thread, c: counter, V: RFC 4122 variant)
  return string.format("%04x%04x-%04x-4%03x-%04x-%04x%08x",
    p1, p2, tid % 0x10000, p3, 0x8000 + (p4 % 0x4000), p4, counter)
end

local VERBS = {}
for i = 1, 20 do
  VERBS[i] = (i == 20) and "completed" or ((i % 5 == 0) and "viewed" or "progressed")
end

function request()
  local who = bench.next_learner(sessions)
  local now = os.date("!%Y-%m-%dT%H:%M:%S+00:00")
  local events = {}
  for i = 1, BATCH do
    local id = uuid4()
    local verb = VERBS[counter % 20 + 1]
    local activity = activities[counter % #activities + 1]
    events[i] = '{"id": "' .. id .. '", "activity": "' .. activity .. '", "verb": "' .. verb ..
      '", "occurred_at": "' .. now ..
      '", "payload": {"seconds": 5, "position": {"scroll": 0.5}}}'
  end
  local body = '{"events": [' .. table.concat(events, ", ") .. ']}'
  local headers = {
    ["Cookie"] = "sessionid=" .. who.sid .. "; csrftoken=" .. who.csrf,
    ["X-CSRFToken"] = who.csrf,
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
  }
  return wrk.format("POST", wrk.path, headers, body)
end

function response(status, headers, body)
  bench.count(status)
  if status == 200 then
    local stored_now = body:match('"stored":%s*(%d+)')
    if stored_now then stored = stored + tonumber(stored_now) end
  end
end
