-- The refresh grant: POST /oidc/token with grant_type=refresh_token. Each refresh token is used once and the
-- answer carries the next one, so each thread keeps a pool of chains (as many as its connections): a request
-- takes a token from the pool and its answer puts the next one back. Environment: BENCH_REFRESH (a file, one
-- refresh token a line, at least one per connection), BENCH_BASIC, BENCH_THREADS.
dofile(os.getenv("BENCH_LUA") .. "/sso-common.lua")
local pool, headers
function init(args)
  local step = tonumber(os.getenv("BENCH_THREADS") or "2")
  pool = {}
  for n, token in ipairs(read_lines(os.getenv("BENCH_REFRESH"))) do
    if (n - 1) % step == tid then table.insert(pool, token) end
  end
  headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")}
end
function request()
  local token = table.remove(pool)
  if not token then return finish() end
  if first_s == 0 then first_s = now_s() end
  return wrk.format("POST", "/oidc/token", headers, "grant_type=refresh_token&refresh_token=" .. token)
end
function response(status, headers_, body)
  if stopped == 1 then return end
  count(status, body)
  local next_token = body and body:match('"refresh_token":"([^"]+)"')
  if status == 200 and next_token then table.insert(pool, next_token) end
end
