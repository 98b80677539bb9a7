-- S2: POST a new assistant, each request as the next user in the tokens file (args[1]).
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
local tokens_lib = require("tokens")
local tokens, n, i = nil, 0, 0

function init(args)
  tokens = tokens_lib.load(args[1])
  n = #tokens
  i = math.random(n) - 1
end

function request()
  i = i % n + 1
  local body = '{"name":"Bench assistant ' .. i .. '","model":"llama3.1:8b",'
    .. '"instructions":"You answer briefly.","description":"made by the benchmark"}'
  return wrk.format("POST", nil, {
    ["Authorization"] = tokens[i],
    ["Content-Type"] = "application/json",
  }, body)
end
