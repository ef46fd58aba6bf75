-- help(x) at the REPL (and `?x`), and the Jupyter kernel's inspection: what a function,
-- method or module is, from the docs. The text comes from docs/*.md through
-- lwscript/help_index.lua, which scripts/help-index.lua generates (one source of truth:
-- HelpTests fails when the two differ). Returns the module: M.text(x) -> string, M.help(x)
-- prints it; init.lua makes M.help the global `help`.
local index = require("lwscript.help_index")

local M = {}

-- The built-in modules, with the page that documents each.
M.modules = {
  {"tensor", "docs/tensor.md"}, {"nn", "docs/nn.md"}, {"loss", "docs/losses.md"},
  {"weights", "docs/weights.md"}, {"optim", "docs/optim.md"}, {"data", "docs/data.md"},
  {"sample", "docs/data.md"}, {"augment", "docs/data.md"}, {"metrics", "docs/metrics.md"},
  {"stats", "docs/stats.md"}, {"csv", "docs/data.md"}, {"plot", "docs/plots.md"},
  {"experiment", "docs/experiment.md"}, {"sys", "docs/sys.md"},
}

-- The classes written in Lua whose objects' methods help knows (the Swift types' methods
-- are in the registry): a package, and the field of it that holds the class (none: the
-- package is the class).
M.lua_classes = {
  {"lwscript.plot.object", "Plot"}, {"lwscript.nn.module", "Base"}, {"lwscript.nn.sequential"},
  {"lwscript.nn.residual"}, {"lwscript.loss", "Custom"},
}

-- A module's table of functions (experiment.methods), not a class (plot.Plot, which has
-- __index) nor an object with a metatable.
function M.is_function_table(t)
  return type(t) == "table" and getmetatable(t) == nil and rawget(t, "__index") == nil
end

-- "tensor.zeros" for a function of a built-in module (or "experiment.methods.focal" of a
-- module's table of functions), ":reshape" for a method of a built-in type (the registry's
-- methods tables), nil otherwise. Raw access only: no metamethod runs.
function M.name_of(v)
  for _, m in ipairs(M.modules) do
    local t = package.loaded[m[1]]
    if type(t) == "table" then
      for k, f in next, t do
        if rawequal(f, v) and type(k) == "string" then return m[1] .. "." .. k end
      end
      for k, sub in next, t do
        if type(k) == "string" and M.is_function_table(sub) then
          for k2, f in next, sub do
            if rawequal(f, v) and type(k2) == "string" then return m[1] .. "." .. k .. "." .. k2 end
          end
        end
      end
    end
  end
  if type(v) == "function" then
    for key, t in next, debug.getregistry() do
      if type(key) == "string" and key:match("^lwscript%..+%.methods$") and type(t) == "table" then
        for k, f in next, t do
          if rawequal(f, v) and type(k) == "string" then return ":" .. k end
        end
      end
    end
    for _, c in ipairs(M.lua_classes) do
      local class = package.loaded[c[1]]
      if type(class) == "table" and c[2] then class = rawget(class, c[2]) end
      if type(class) == "table" then
        for k, f in next, class do
          if rawequal(f, v) and type(k) == "string" and not k:match("^__") then return ":" .. k end
        end
      end
    end
  end
end

local function first_line(s)
  local line = (s or ""):match("^[^\n]*")
  if #line > 72 then line = line:sub(1, 69) .. "..." end
  return line
end

-- The list of a module's functions, with the first line of each one's description.
local function module_text(name, page, t)
  local keys = {}
  for k, v in next, t do
    if type(k) == "string" and not k:match("^_") and (type(v) == "function" or type(v) == "table") then keys[#keys + 1] = k end
  end
  table.sort(keys)
  local lines = {string.format("%s: the %s module (%s); help(%s.NAME) for one of:", name, name, page, name)}
  for _, k in ipairs(keys) do
    local e = index[name .. "." .. k]
    local what = ""
    if e then
      for _, d in ipairs(e.descriptions) do if d ~= "" then what = d break end end
      if what == "" then what = e.signatures[1] or e.examples[1] or "" end
    end
    lines[#lines + 1] = string.format("  %-24s %s", name .. "." .. k, first_line(what))
  end
  return table.concat(lines, "\n")
end

local function entry_text(name, e)
  local lines = {name}
  for i, sig in ipairs(e.signatures) do
    lines[#lines + 1] = "  " .. sig
    if (e.descriptions[i] or "") ~= "" then lines[#lines + 1] = "      " .. e.descriptions[i] end
  end
  if #e.examples > 0 then
    lines[#lines + 1] = "Examples:"
    for _, ex in ipairs(e.examples) do lines[#lines + 1] = "  " .. ex end
  end
  if #e.where > 0 then lines[#lines + 1] = "See " .. table.concat(e.where, "; ") end
  return table.concat(lines, "\n")
end

-- text(x [, name]): the help text for x (a value, or a name such as "tensor.zeros" or
-- ":reshape"), or nil and a message when there is none.
function M.text(x, name)
  if x == nil and name == nil then
    local lines = {"lwscript's modules (help(module) lists its functions; help(f) or ?f shows one):"}
    for _, m in ipairs(M.modules) do lines[#lines + 1] = string.format("  %-12s %s", m[1], m[2]) end
    lines[#lines + 1] = "Also: README.md, docs/library.md (the Lua library), docs/kernel.md (Jupyter)."
    return table.concat(lines, "\n")
  end
  if type(x) == "string" and index[x] then return entry_text(x, index[x]) end
  for _, m in ipairs(M.modules) do
    if rawequal(package.loaded[m[1]], x) then return module_text(m[1], m[2], x) end
  end
  local key = M.name_of(x)
  if key and index[key] then return entry_text(name or key, index[key]) end
  if key then return nil, (name or key) .. ": no help text in the docs (it is " .. key .. ")" end
  return nil, (name or ("a " .. type(x))) .. ": no help (not a function or module of lwscript's; "
    .. "Lua's own are in the Lua 5.4 reference manual)"
end

-- help([x]): prints the help text of x (nothing: the list of modules).
function M.help(...)
  local text, problem = M.text(...)
  print(text or problem)
end

return M
