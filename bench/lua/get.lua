-- A plain GET with optional headers from the environment: BENCH_COOKIE, BENCH_TOKENS (a file, one token a line).
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local tokens, i, cookie
function init(args)
  cookie = os.getenv("BENCH_COOKIE")
  local file = os.getenv("BENCH_TOKENS")
  if file and file ~= "" then tokens = read_lines(file) end
  i = tid or 0
end
function request()
  local headers = {}
  if cookie and cookie ~= "" then headers["Cookie"] = cookie end
  if tokens then
    i = i + 1
    headers["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1]
  end
  return wrk.format("GET", nil, headers, nil)
end
