-- wrk script: GET one fixed request path, KVARTER_BENCH_PATH (e.g.
-- /ogc/collections/roder-2023/items?limit=100&f=json), on every request. Written by
-- scripts/bench_ogc.py, which gives each server its own path for the same question.
-- The request is formatted once here, so the client does no per-request work.
local path = os.getenv("KVARTER_BENCH_PATH") or "/"
local formatted = nil

function request()
  if formatted == nil then
    formatted = wrk.format("GET", path)
  end
  return formatted
end
