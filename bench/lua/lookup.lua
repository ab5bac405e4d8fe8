-- The officer's ID look-up: half the numbers have an account, half do not (their province has no bench accounts).
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local users, tokens, i
function init(args)
  users = read_lines(os.getenv("BENCH_USERS"))
  tokens = read_lines(os.getenv("BENCH_TOKENS"))
  i = (tid or 0) * 7919
end
function request()
  i = i + 1
  local id = users[(i % #users) + 1]:match("^(%d+)")
  if i % 2 == 0 then id = "096" .. id:sub(4) end
  return wrk.format("GET", "/api/v1/admin/citizen-accounts/lookup?idNumber=" .. id,
                    {["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1]}, nil)
end
