-- An interactive session's top-level locals (the REPL's lines, the Jupyter kernel's cells).
-- Each chunk runs with _ENV = session.env, and its top-level `local` declarations are turned
-- into assignments (Bridge/Runtime/TopLevelLocals.swift) to names declared here first. So a
-- cell's locals stay for the next cell, and they shadow globals without replacing them: after
-- `local data = load_rows()` the cells see the rows, while library code (and `_G.data`) still
-- sees the `data` module, as a script's local would leave it.
local M = {}

-- M.new(globals) -> {env =, locals =, declare = function(...names)}
function M.new(globals)
  -- Reads go env (always empty) -> locals -> globals, all plain table lookups.
  local locals = setmetatable({}, {__index = globals})
  local declared = {}
  local env = setmetatable({}, {
    __index = locals,
    __newindex = function(_, k, v)
      if declared[k] then rawset(locals, k, v) else globals[k] = v end
    end,
  })
  local function declare(...)
    for i = 1, select("#", ...) do declared[(select(i, ...))] = true end
  end
  return {env = env, locals = locals, declare = declare}
end

return M
