-- Sign-in step 1: POST /api/v1/login cycling through a sample of seeded ID numbers (file lines "id phone").
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local users, i, password, step
function init(args)
  users = read_lines(os.getenv("BENCH_USERS"))
  password = os.getenv("BENCH_PASSWORD")
  -- Threads walk the sample from different starting points, so no two ask for the same account together.
  i = (tid or 0) * math.floor(#users / 2)
end
function request()
  i = i + 1
  local id = users[(i % #users) + 1]:match("^(%d+)")
  local body = '{"username":"' .. id .. '","password":"' .. password .. '"}'
  return wrk.format("POST", "/api/v1/login", {["Content-Type"] = "application/json"}, body)
end
