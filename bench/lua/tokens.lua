-- Shared by the scenarios: read one access token per line from the file named by the first script argument.
local M = {}

function M.load(path)
  local tokens = {}
  for line in io.lines(path) do
    if #line > 0 then tokens[#tokens + 1] = "Bearer " .. line end
  end
  return tokens
end

return M
