-- GET wrk's URL path as a different logged-in learner on every request.
-- Used for the lesson page and for the bare baseline view. See common.lua.
local bench = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local sessions

setup = bench.setup
done = bench.done

function init(args)
  sessions = bench.sessions()
  bench.init_counters()
end

function request()
  local who = bench.next_learner(sessions)
  local headers = {
    ["Cookie"] = "sessionid=" .. who.sid .. "; csrftoken=" .. who.csrf,
    ["Accept"] = "text/html,application/xhtml+xml",
    ["Accept-Language"] = "vi",
  }
  if bench.gzip then headers["Accept-Encoding"] = "gzip" end
  return wrk.format("GET", wrk.path, headers, nil)
end

function response(status, headers, body)
  bench.count(status)
end
