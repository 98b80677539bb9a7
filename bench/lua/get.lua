-- GET the path given on the command line, each request as the next user in the tokens file (args[1]).
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
  return wrk.format("GET", nil, { ["Authorization"] = tokens[i] })
end
