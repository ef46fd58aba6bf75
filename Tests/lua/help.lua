-- Help coverage (issue 16): every public function of every built-in module and every method
-- of the built-in types has, in the help index generated from docs/*.md
-- (scripts/help-index.lua), a signature and a description, and an example (a line of a
-- ```lua block that calls it). A failure lists what is missing:
-- document it in the docs (a table row `| \`module.fn(args[, {opt = default}])\` | ... |`),
-- regenerate the index and rebuild.
local T = require("testing")
local help = require("lwscript.help")
local index = require("lwscript.help_index")
local test = T.suite("help")

-- Methods that are hooks between the nn containers, not an API to call: Lua modules'
-- child_entries/child_label/describe/constructor_call (nn/module.lua, nn/sequential.lua).
local internal = {[":child_entries"] = true, [":child_label"] = true, [":describe"] = true,
                  [":constructor_call"] = true}

local function described(key)
  local e = index[key]
  if not e or #e.signatures == 0 then return false end
  for _, d in ipairs(e.descriptions) do if d ~= "" then return true end end
  return false
end

local function exemplified(key)
  return index[key] ~= nil and #index[key].examples > 0
end

local function callable(v)
  if type(v) == "function" then return true end
  local mt = getmetatable(v)
  return type(mt) == "table" and rawget(mt, "__call") ~= nil
end

-- The public names of a table (own keys, no "_" prefix) whose values are callable, sorted.
local function public_functions(t)
  local out = {}
  for k, v in next, t do
    if type(k) == "string" and not k:match("^_") and callable(v) then out[#out + 1] = k end
  end
  table.sort(out)
  return out
end

-- Where the methods of each type live: the registry's methods tables of the Swift types, and
-- the classes of the Lua ones (their __index tables, up the chain of Lua module classes).
local function method_tables()
  local out = {}
  for key, t in next, debug.getregistry() do
    local name = type(key) == "string" and key:match("^lwscript%.(.+)%.methods$")
    if name and type(t) == "table" then out[#out + 1] = {name, t} end
  end
  table.sort(out, function(a, b) return a[1] < b[1] end)
  local function class_chain(label, class)
    while type(class) == "table" do
      out[#out + 1] = {label, class}
      local mt = getmetatable(class)
      class = mt and rawget(mt, "__index")
      label = label .. " (base)"
    end
  end
  out[#out + 1] = {"Plot", plot.Plot}
  class_chain("Sequential", getmetatable(nn.Sequential()).__index)
  class_chain("Residual", getmetatable(nn.Residual(nn.Linear(1, 1))).__index)
  class_chain("custom loss", getmetatable(loss.custom(function(z) return z:sum() end)).__index)
  return out
end

-- The built-in modules that help(x) knows (help.modules) and are loaded.
local function modules()
  local out = {}
  for _, m in ipairs(help.modules) do
    if type(package.loaded[m[1]]) == "table" then out[#out + 1] = m[1] end
  end
  return out
end

-- Every public function: "tensor.zeros", and those of a module's tables of functions
-- ("experiment.methods.focal").
local function module_functions()
  local out = {}
  for _, name in ipairs(modules()) do
    local t = package.loaded[name]
    for _, k in ipairs(public_functions(t)) do out[#out + 1] = name .. "." .. k end
    local subs = {}
    for k, sub in next, t do
      if type(k) == "string" and not k:match("^_") and help.is_function_table(sub) then subs[#subs + 1] = k end
    end
    table.sort(subs)
    for _, k in ipairs(subs) do
      for _, k2 in ipairs(public_functions(t[k])) do out[#out + 1] = name .. "." .. k .. "." .. k2 end
    end
  end
  return out
end

-- What `documented` (described or exemplified) misses among the module functions and among
-- the methods (a method name counts once, whichever type has it).
local function coverage(documented)
  local total, missing, seen = 0, {}, {}
  for _, key in ipairs(module_functions()) do
    total = total + 1
    if not documented(key) then missing[#missing + 1] = key end
  end
  local functions = {total = total, missing = missing}
  total, missing = 0, {}
  for _, mt in ipairs(method_tables()) do
    for _, k in ipairs(public_functions(mt[2])) do
      local key = ":" .. k
      if not internal[key] and not seen[key] then
        seen[key] = true
        total = total + 1
        if not documented(key) then missing[#missing + 1] = mt[1] .. ":" .. k end
      end
    end
  end
  return functions, {total = total, missing = missing}
end

function test.every_global_module_is_known_to_help()
  local known = {}
  for _, m in ipairs(help.modules) do known[m[1]] = true end
  local standard = {string = 1, table = 1, math = 1, io = 1, os = 1, debug = 1, coroutine = 1, utf8 = 1,
                    package = 1, _G = 1, arg = 1}
  local unknown = {}
  for k, v in next, _G do
    if type(k) == "string" and type(v) == "table" and not standard[k] and not known[k]
        and package.loaded[k] == v then
      unknown[#unknown + 1] = k
    end
  end
  table.sort(unknown)
  T.eq(table.concat(unknown, " "), "", "global modules missing from help.modules")
end

function test.every_module_function_has_a_signature_and_description()
  local f = coverage(described)
  T.eq(#f.missing .. " of " .. f.total .. " undocumented: " .. table.concat(f.missing, " "),
       "0 of " .. f.total .. " undocumented: ")
end

function test.every_method_has_a_signature_and_description()
  local _, m = coverage(described)
  T.eq(#m.missing .. " of " .. m.total .. " undocumented: " .. table.concat(m.missing, " "),
       "0 of " .. m.total .. " undocumented: ")
end

-- help(x) must find the name of every method value (`?s:add` at the REPL evaluates s.add and
-- asks help.name_of), of the Swift types and of the classes written in Lua, and of the
-- functions in a module's table of functions.
function test.help_names_every_method_and_function()
  local wrong = {}
  for _, mt in ipairs(method_tables()) do
    for _, k in ipairs(public_functions(mt[2])) do
      local got = help.name_of(mt[2][k])
      -- m.save is nn.save itself: named by the module function, whose rows document both
      local same_as_function = got and got:match("^[%a_]") and described(got)
      if got ~= ":" .. k and not internal[":" .. k] and not same_as_function then wrong[#wrong + 1] = mt[1] .. ":" .. k .. " -> " .. tostring(got) end
    end
  end
  for _, key in ipairs(module_functions()) do
    local head, rest = key:match("^([^.]+)%.(.+)$")
    local v = package.loaded[head]
    for part in rest:gmatch("[^.]+") do v = v[part] end
    local got = help.name_of(v)
    -- a function that two modules share (plot.png is Plot:png's raster) may be named by either
    if got ~= key and not (index[got] and got:match("^[%a_]")) then wrong[#wrong + 1] = key .. " -> " .. tostring(got) end
  end
  T.eq(table.concat(wrong, ", "), "", "names help gives")
  T.eq(help.text(nn.Sequential().add):match("^[^\n]*\n[^\n]*"), ":add\n  seq:add(m)", "a Lua container's method")
end

-- An example: a line of a ```lua block of the docs that calls it (DocExamplesTests runs them).
function test.every_function_and_method_has_an_example()
  local f, m = coverage(exemplified)
  local missing = {}
  for _, k in ipairs(f.missing) do missing[#missing + 1] = k end
  for _, k in ipairs(m.missing) do missing[#missing + 1] = k end
  T.eq(#missing .. " of " .. (f.total + m.total) .. " without an example: " .. table.concat(missing, " "),
       "0 of " .. (f.total + m.total) .. " without an example: ")
end

return test
