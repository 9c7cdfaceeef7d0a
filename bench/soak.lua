-- wrk script for scripts/soak: replays a fixed, seeded list of mixed requests, round-robin per
-- thread. Each line of the list (written by scripts/soak.py) is METHOD<TAB>path[<TAB>body], the
-- body with "\n" for newlines (the batch's CSV); a body is sent as text/csv. Each thread counts
-- its answers by status class and prints them at the end ("status 2xx: N"), so the driver can
-- tell errors (5xx, 4xx) from the 204s of empty tiles and the 304s wrk counts among its own.
local requests = {}
local next_index = 1
statuses = {}
local threads = {}

function init(args)
  local path = os.getenv("KVARTER_SOAK_REQUESTS") or "target/bench/soak-requests.txt"
  for line in io.lines(path) do
    local method, target, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
    if method then
      local headers = { ["Accept-Encoding"] = "gzip" }
      if body ~= "" then
        body = body:gsub("\\n", "\n")
        headers["Content-Type"] = "text/csv"
      else
        body = nil
      end
      requests[#requests + 1] = wrk.format(method, target, headers, body)
    end
  end
  next_index = (id or 0) * 997 % #requests + 1
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end

function response(status, headers, body)
  local class = math.floor(status / 100) .. "xx"
  statuses[class] = (statuses[class] or 0) + 1
end

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for class, count in pairs(thread:get("statuses")) do
      total[class] = (total[class] or 0) + count
    end
  end
  for class, count in pairs(total) do
    io.write(string.format("status %s: %d\n", class, count))
  end
end
