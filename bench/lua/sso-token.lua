-- The authorization-code exchange: POST /oidc/token, each prepared code used once (they live 60 s), PKCE with
-- the verifier the codes were asked with, the client's id and secret in HTTP Basic. Environment: BENCH_CODES
-- (a file, one code a line), BENCH_BASIC (base64 of id:secret), BENCH_REDIRECT, BENCH_VERIFIER, BENCH_THREADS.
dofile(os.getenv("BENCH_LUA") .. "/sso-common.lua")
local codes, i, step, headers, tail
function init(args)
  codes = read_lines(os.getenv("BENCH_CODES"))
  step = tonumber(os.getenv("BENCH_THREADS") or "2")
  i = tid + 1
  headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")}
  tail = "&redirect_uri=" .. os.getenv("BENCH_REDIRECT") .. "&code_verifier=" .. os.getenv("BENCH_VERIFIER")
end
function request()
  if i > #codes then return finish() end
  local code = codes[i]
  i = i + step
  if first_s == 0 then first_s = now_s() end
  return wrk.format("POST", "/oidc/token", headers, "grant_type=authorization_code&code=" .. code .. tail)
end
function response(status, headers_, body)
  if stopped == 1 then return end
  count(status, body)
end
