-- wrk script: GET /api/lookup for each point of a fixed, seeded list, round-robin per thread.
-- The list (lon,lat per line) is written by scripts/bench_lookup.py; KVARTER_BENCH_GZIP=1 asks
-- for gzip.
local points = {}
local next_index = 1
local headers = {}

function init(args)
  if os.getenv("KVARTER_BENCH_GZIP") == "1" then headers["Accept-Encoding"] = "gzip" end
  local path = os.getenv("KVARTER_BENCH_POINTS") or "target/bench/points.csv"
  for line in io.lines(path) do
    local lon, lat = line:match("([^,]+),([^,]+)")
    if lon then points[#points + 1] = "/api/lookup?lon=" .. lon .. "&lat=" .. lat end
  end
  -- Threads start at different offsets so they do not ask the same point at once.
  next_index = (id or 0) * 997 % #points + 1
end

function request()
  local path = points[next_index]
  next_index = next_index % #points + 1
  return wrk.format("GET", path, headers)
end

function setup(thread)
  thread:set("id", setup_count or 0)
  setup_count = (setup_count or 0) + 1
end
