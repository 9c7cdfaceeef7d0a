-- wrk script: GET each tile of a fixed, seeded list, round-robin per thread.
-- The list is written by scripts/bench_tiles.py, one request path per line, optionally followed
-- by a tab and the ETag that server gave for it (then sent as If-None-Match). The paths are the
-- server's own (Kvarter: /tiles/{layers}/{z}/{x}/{y}.mvt, martin: /{sources}/{z}/{x}/{y}), so the
-- same script drives both. KVARTER_BENCH_GZIP=1 sends Accept-Encoding: gzip.
-- KVARTER_BENCH_CHECK=1 counts the answers by status and prints "status N: count" at the end; it
-- costs the client time, so the script uses it for a short check run, not for the timed ones.
local requests = {}
local next_index = 1
statuses = {}  -- global: done() reads it from each thread with thread:get
local threads = {}

function init(args)
  local gzip = os.getenv("KVARTER_BENCH_GZIP") == "1"
  local path = os.getenv("KVARTER_BENCH_TILES") or "target/bench/tiles.txt"
  for line in io.lines(path) do
    local tile, etag = line:match("^([^\t]+)\t?(.*)$")
    if tile then
      local headers = {}
      if gzip then headers["Accept-Encoding"] = "gzip" end
      if etag ~= "" then headers["If-None-Match"] = etag end
      -- Formatted once here, so the client does no per-request work beyond picking the next one.
      requests[#requests + 1] = wrk.format("GET", tile, headers)
    end
  end
  -- Threads start at different offsets so they do not ask for the same tile at once.
  next_index = (id or 0) * 997 % #requests + 1
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end

if os.getenv("KVARTER_BENCH_CHECK") == "1" then
  function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
  end

  function done(summary, latency, requests)
    local total = {}
    for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("statuses")) do
        total[status] = (total[status] or 0) + count
      end
    end
    for status, count in pairs(total) do
      io.write(string.format("status %d: %d\n", status, count))
    end
  end
end

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end
