-- wrk script: each connection waits ~interval ms (jittered) between requests, so N connections
-- offer about N * 1000 / interval req/s, far below saturation; latencies are measured by wrk itself.
local interval = tonumber(os.getenv("BENCH_INTERVAL_MS") or "16")

function delay()
  return math.random(math.floor(interval / 2), math.floor(interval * 3 / 2))
end
