-- Shared by the bench's wrk scripts (each loads it with dofile).
--
-- Environment (set by bench/run):
--   BENCH_SESSIONS  file with one "sessionid csrftoken" per line, one line per learner
--   BENCH_THREADS   wrk's -t, so that threads interleave over the learners
--   BENCH_GZIP      "1": send Accept-Encoding: gzip like a browser
--
-- Every request is a different learner: request n of thread t uses learner
-- (n * threads + t) mod N. Each thread counts its responses by status class; done()
-- adds them up over the threads and prints one line "BENCH_RESULT {json}" with the
-- counts and the latency percentiles (microseconds), p95 included.

local bench = {}

function bench.lines(path)
  local out = {}
  local f = assert(io.open(path, "r"), "cannot open " .. tostring(path))
  for line in f:lines() do
    if line ~= "" then out[#out + 1] = line end
  end
  f:close()
  return out
end

function bench.sessions()
  local out = {}
  for _, line in ipairs(bench.lines(os.getenv("BENCH_SESSIONS"))) do
    local sid, csrf = line:match("^(%S+)%s+(%S+)$")
    out[#out + 1] = { sid = sid, csrf = csrf }
  end
  assert(#out > 0, "no sessions")
  return out
end

bench.threads_count = tonumber(os.getenv("BENCH_THREADS") or "2")
bench.gzip = os.getenv("BENCH_GZIP") == "1"

-- Main state: number the threads and keep them for done().
local threads = {}
function bench.setup(thread)
  thread:set("tid", #threads)
  threads[#threads + 1] = thread
end

-- Thread state: counters read back by done() through thread:get().
function bench.init_counters()
  n, s2xx, s3xx, s4xx, s5xx, other, stored = 0, 0, 0, 0, 0, 0, 0
end

function bench.count(status)
  if status >= 200 and status < 300 then s2xx = s2xx + 1
  elseif status >= 300 and status < 400 then s3xx = s3xx + 1
  elseif status >= 400 and status < 500 then s4xx = s4xx + 1
  elseif status >= 500 and status < 600 then s5xx = s5xx + 1
  else other = other + 1 end
end

-- The learner for this thread's next request.
function bench.next_learner(sessions)
  local index = (n * bench.threads_count + tid) % #sessions + 1
  n = n + 1
  return sessions[index]
end

function bench.done(summary, latency, requests)
  local totals = { s2xx = 0, s3xx = 0, s4xx = 0, s5xx = 0, other = 0, stored = 0 }
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do
      totals[key] = totals[key] + (tonumber(thread:get(key)) or 0)
    end
  end
  local e = summary.errors
  local fields = {
    string.format('"duration_us": %d', summary.duration),
    string.format('"requests": %d', summary.requests),
    string.format('"bytes": %d', summary.bytes),
    string.format('"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}',
      e.connect, e.read, e.write, e.status, e.timeout),
    string.format('"status": {"2xx": %d, "3xx": %d, "4xx": %d, "5xx": %d, "other": %d}',
      totals.s2xx, totals.s3xx, totals.s4xx, totals.s5xx, totals.other),
    string.format('"stored": %d', totals.stored),
    string.format('"latency_us": {"mean": %.1f, "stdev": %.1f, "max": %d, "p50": %d, "p75": %d, "p90": %d, "p95": %d, "p99": %d}',
      latency.mean, latency.stdev, latency.max, latency:percentile(50), latency:percentile(75),
      latency:percentile(90), latency:percentile(95), latency:percentile(99)),
  }
  -- The latency distribution as 200 quantiles (the middle of each 0.5% slice), so that
  -- the runs of one measurement can be merged into one distribution.
  local quantiles = {}
  for i = 1, 200 do
    quantiles[i] = string.format("%d", latency:percentile((i - 0.5) / 2))
  end
  fields[#fields + 1] = '"quantiles_us": [' .. table.concat(quantiles, ", ") .. "]"
  io.write("BENCH_RESULT {" .. table.concat(fields, ", ") .. "}\n")
end

return bench
