-- nn.Sequential(m1, m2, ...) or nn.Sequential{m1, m2, ...}: each module's output is the
-- next one's input. Adjacent layers with a fused kernel (BatchNorm then ReLU, ReLU then
-- MaxPool2d) run as one pass through nn.fused_forward.
local nn = require("nn")
local util = require("lwscript.util")
local base = require("lwscript.nn.module")

local is_module = util.is_module
local fused_forward = nn.fused_forward

local Sequential = nn.Module("Sequential")

function nn.Sequential(...)
  local list = {...}
  if #list == 1 and type(list[1]) == "table" and not is_module(list[1]) then list = list[1] end
  for i, m in ipairs(list) do
    if not is_module(m) then
      util.fail("nn.Sequential: element " .. i .. " is not a module (got " .. util.describe(m) .. ")")
    end
  end
  local s = Sequential()
  s.modules = list
  return s
end

function Sequential:child_label(i)
  return "In module " .. i .. " (" .. base.short(self.modules[i]) .. ") of nn.Sequential"
end

function Sequential:forward(x)
  base.before_forward(self)
  local modules, i = self.modules, 1
  while modules[i] ~= nil do
    local m = modules[i]
    -- nil when this pair has no fused kernel (or m is not a Swift layer)
    local out = nn.is_module(m) and base.forward_child(self, i, fused_forward, m, modules[i + 1], x) or nil
    if out ~= nil then
      x, i = out, i + 2
    else
      x, i = base.forward_child(self, i, m.forward, m, x), i + 1
    end
  end
  return x
end

function Sequential:add(m)
  util.check_arg("Sequential:add", 1, m, util.is.module)
  if base.reaches(m, self) then
    util.fail("nn.Sequential:add: the module to add " .. (rawequal(m, self) and "is this nn.Sequential" or "contains this nn.Sequential")
              .. " (a container cannot hold itself, directly or through other containers)")
  end
  self.modules[#self.modules + 1] = m
  return self
end

function Sequential:children() return self.modules end

function Sequential:child_entries()
  local out = {}
  for i, m in ipairs(self.modules) do out[i] = {"module " .. i, m} end
  return out
end

function Sequential:named_parameters()
  base.check_acyclic(self, "nn.Sequential")
  local out = {}
  for i, m in ipairs(self.modules) do
    for _, pair in ipairs(m:named_parameters()) do out[#out + 1] = {i .. "." .. pair[1], pair[2]} end
  end
  return out
end

function Sequential:named_buffers()
  base.check_acyclic(self, "nn.Sequential")
  local out = {}
  for i, m in ipairs(self.modules) do
    if m.named_buffers then
      for _, pair in ipairs(m:named_buffers()) do out[#out + 1] = {i .. "." .. pair[1], pair[2]} end
    end
  end
  return out
end

function Sequential:describe(indent)
  base.check_acyclic(self, "nn.Sequential")
  indent = indent or ""
  local lines = {(self.label or "nn.Sequential") .. " {"}
  for i, m in ipairs(self.modules) do
    local text = base.describe_child(m, indent .. "  ")
    local n = base.count_parameters(m)
    local line = string.format("%s  (%d) %s", indent, i, text)
    if n > 0 and not text:find("\n") then
      line = line .. string.rep(" ", math.max(1, 48 - #line)) .. base.group_digits(n) .. " parameters"
    end
    lines[#lines + 1] = line
  end
  lines[#lines + 1] = indent .. "}"
  if indent == "" then
    lines[#lines + 1] = "Total: " .. base.group_digits(base.count_parameters(self)) .. " parameters"
  end
  return table.concat(lines, "\n")
end

function Sequential:constructor_call()
  base.check_acyclic(self, "nn.Sequential")
  local parts = {}
  for i, m in ipairs(self.modules) do
    local c = base.constructor_of(m)
    if not c then return nil end
    parts[i] = c
  end
  return "nn.Sequential(" .. table.concat(parts, ", ") .. ")"
end

base.check_self(Sequential, "Sequential", "an nn.Sequential", function(v) return getmetatable(v) == Sequential end)

return Sequential
