-- wrk script for bench/node_load.sh: closed-loop POSTs of real LFW probes to /v1/verify or
-- /v1/search. Request bodies (one JSON object per line, built by node_load.sh before the
-- clock starts) and officer tokens rotate per request, so the policy's per-officer rate
-- limit is not what is measured. Prints one JSON line at the end: requests, errors
-- (connect/read/write/timeout and non-2xx), requests/s and latency mean/p50/p90/p99 (ms).
--
--   wrk -t T -c C -d S -s bench/node_load.lua URL/v1/MODE -- BODIES_FILE TOKENS_FILE
local bodies, tokens = {}, {}
local counter = 0
local threads = 0

function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

local function lines(path)
  local out = {}
  for l in io.lines(path) do
    if #l > 0 then out[#out + 1] = l end
  end
  return out
end

function init(args)
  bodies = lines(args[1])
  tokens = lines(args[2])
  -- Threads start at different offsets so that they do not send the same probes in step.
  counter = (thread_id or 0) * 7919
end

function request()
  counter = counter + 1
  local body = bodies[counter % #bodies + 1]
  local token = tokens[counter % #tokens + 1]
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.timeout + e.status
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"errors":%d,"non_2xx":%d,"socket_errors":%d,' ..
    '"rps":%.3f,"mean_ms":%.4f,"p50_ms":%.4f,"p90_ms":%.4f,"p99_ms":%.4f,"max_ms":%.4f}\n',
    summary.requests, seconds, errors, e.status, e.connect + e.read + e.write + e.timeout,
    summary.requests / seconds, latency.mean / 1000, latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
