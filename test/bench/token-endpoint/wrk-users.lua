-- wrk script for the token-endpoint bench (load.ts): each request carries the next signed-in user's
-- session cookie, as 200 browsers would. Arguments after `--`: method, path, cookie file (one
-- "name=value" per line), and a body (sent as application/json) or nothing.
-- done() prints one JSON line with the counts and latency percentiles (microseconds) load.ts reads;
-- errors.status counts answers other than 2xx/3xx.
local cookies = {}
local method, path, body
local next_cookie

function init(args)
  method, path = args[1], args[2]
  for line in io.lines(args[3]) do
    if line ~= "" then cookies[#cookies + 1] = line end
  end
  body = args[4]
  -- Each wrk thread starts at a different user, so the threads do not move in step.
  next_cookie = math.random(#cookies)
end

function request()
  next_cookie = next_cookie % #cookies + 1
  local headers = {
    ["Cookie"] = cookies[next_cookie],
    ["X-Grafana-SSO"] = "1",
    ["Origin"] = "chrome-extension://benchmark",
  }
  if body then headers["Content-Type"] = "application/json" end
  return wrk.format(method, path, headers, body)
end

function done(summary, latency)
  local e = summary.errors
  -- 1,000 evenly spaced quantiles, so load.ts can merge the latencies of wrk processes run side by side.
  local q = {}
  for i = 1, 1000 do q[i] = string.format("%d", latency:percentile(i / 10)) end
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latencyUs":{"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f},"quantilesUs":[%s]}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean, table.concat(q, ",")))
end
