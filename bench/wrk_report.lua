-- wrk script: counts responses that are not 2xx (a redirect to the login page is an
-- error here) and prints one JSON line with throughput and latency percentiles.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  not_2xx = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    not_2xx = not_2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("not_2xx")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_s": %.6f, "bytes": %d, "not_2xx": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_ms": {"min": %.3f, "mean": %.3f, "max": %.3f, "p50": %.3f, "p90": %.3f, ' ..
    '"p95": %.3f, "p99": %.3f}}\n',
    summary.requests, summary.duration / 1e6, summary.bytes, bad,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min / 1000, latency.mean / 1000, latency.max / 1000,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
