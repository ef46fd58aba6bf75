/// The Lua half of `nn`: containers, modules written in Lua, and the research presets.
/// Shipped as Lua so that a researcher can read (and copy and change) how models are wired;
/// every layer's work happens in the Swift layers it calls.
enum NNLua {
    /// One chunk: the sections share local helpers (is_module, Base, strip_position...).
    static let source = containers + NNPresetsLua.source + NNCheckpointLua.source + "return nn\n"

    /// Containers (nn.Sequential, nn.Residual) and nn.Module for modules written in Lua.
    static let containers = #"""
local nn = ...

-- A module is anything with forward(self, x). Swift layers are userdata (nn.is_module);
-- Lua modules are tables whose class comes from nn.Module or the containers below.
local function is_module(m)
  if nn.is_module(m) then return true end
  return type(m) == "table" and type(m.forward) == "function"
end

local function short(m)
  if nn.is_module(m) then return tostring(m) end
  return m.kind or "module"
end

local function count_parameters(m)
  local n = 0
  for _, p in ipairs(m:parameters()) do n = n + p:numel() end
  return n
end

local function group_digits(n)
  local s = tostring(math.floor(n))
  return (s:reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", ""))
end

-- Strips the "[lwscript nn]:12: " position that errors raised in this file would carry.
local function strip_position(err)
  if type(err) ~= "string" then return err end
  return (err:gsub("^%[lwscript nn%]:%d+: ", ""))
end

---------------------------------------------------------------------------------------
-- nn.Module(kind): a class for modules written in Lua.
--   local Scale = nn.Module("Scale")
--   function Scale:init(n) self.weight = tensor.ones(n):requires_grad() end
--   function Scale:forward(x) return x * self.weight end
--   local m = Scale(3)
-- Parameters are the fields holding tensors that require grad and the fields holding
-- modules (recursively), in sorted field order.
---------------------------------------------------------------------------------------
local Base = {}
Base.__index = Base

function Base:parameters()
  local out = {}
  for _, pair in ipairs(self:named_parameters()) do out[#out + 1] = pair[2] end
  return out
end

local function sorted_fields(self)
  local keys = {}
  for k in pairs(self) do
    if type(k) == "string" and k ~= "training" then keys[#keys + 1] = k end
  end
  table.sort(keys)
  return keys
end

function Base:named_parameters()
  local out = {}
  for _, k in ipairs(sorted_fields(self)) do
    local v = self[k]
    if tensor.is_tensor(v) and v.needs_grad and v.is_leaf then
      out[#out + 1] = {k, v}
    elseif is_module(v) and v ~= self then
      for _, pair in ipairs(v:named_parameters()) do out[#out + 1] = {k .. "." .. pair[1], pair[2]} end
    end
  end
  return out
end

function Base:named_buffers()
  local out = {}
  for _, k in ipairs(sorted_fields(self)) do
    local v = self[k]
    if is_module(v) and v ~= self and v.named_buffers then
      for _, pair in ipairs(v:named_buffers()) do out[#out + 1] = {k .. "." .. pair[1], pair[2]} end
    end
  end
  return out
end

function Base:children()
  local out = {}
  for _, k in ipairs(sorted_fields(self)) do
    if is_module(self[k]) and self[k] ~= self then out[#out + 1] = self[k] end
  end
  return out
end

function Base:train(on)
  if on == nil then on = true end
  self.training = on
  for _, child in ipairs(self:children()) do child:train(on) end
  return self
end

function Base:eval() return self:train(false) end

function Base:zero_grad()
  for _, p in ipairs(self:parameters()) do p.grad = nil end
  return self
end

function Base:num_parameters() return count_parameters(self) end

function Base:describe(indent)
  return (self.kind or "Module") .. "()"
end

function nn.Module(kind)
  local class = setmetatable({}, {__index = Base})
  class.__index = class
  class.kind = kind or "Module"
  class.__call = function(self, ...) return self:forward(...) end
  class.__tostring = function(self) return self:describe("") end
  return setmetatable(class, {
    __index = Base,
    __call = function(cls, ...)
      local obj = setmetatable({training = true}, cls)
      if obj.init then obj:init(...) end
      return obj
    end,
  })
end

---------------------------------------------------------------------------------------
-- nn.Sequential(m1, m2, ...) or nn.Sequential{m1, m2, ...}
---------------------------------------------------------------------------------------
local Sequential = nn.Module("Sequential")

function nn.Sequential(...)
  local list = {...}
  if #list == 1 and type(list[1]) == "table" and not is_module(list[1]) then list = list[1] end
  for i, m in ipairs(list) do
    if not is_module(m) then
      error("nn.Sequential: element " .. i .. " is not a module (got " .. type(m) .. ")", 2)
    end
  end
  local s = Sequential()
  s.modules = list
  return s
end

-- Adjacent layers with a fused kernel (BatchNorm then ReLU, ReLU then MaxPool2d) run as
-- one: nn.fused_forward returns nil for any other pair.
local fused_forward = nn.fused_forward

function Sequential:forward(x)
  local modules, i = self.modules, 1
  while modules[i] ~= nil do
    local m, after = modules[i], modules[i + 1]
    local ok, out = pcall(fused_forward, m, after, x)
    local step = 2
    if ok and out == nil then
      ok, out = pcall(m.forward, m, x)
      step = 1
    end
    if not ok then
      error("In module " .. i .. " (" .. short(m) .. ") of nn.Sequential: " .. strip_position(out), 0)
    end
    x, i = out, i + step
  end
  return x
end

function Sequential:add(m)
  if not is_module(m) then error("nn.Sequential:add: expected a module, got " .. type(m), 2) end
  self.modules[#self.modules + 1] = m
  return self
end

function Sequential:children() return self.modules end

function Sequential:named_parameters()
  local out = {}
  for i, m in ipairs(self.modules) do
    for _, pair in ipairs(m:named_parameters()) do out[#out + 1] = {i .. "." .. pair[1], pair[2]} end
  end
  return out
end

function Sequential:named_buffers()
  local out = {}
  for i, m in ipairs(self.modules) do
    if m.named_buffers then
      for _, pair in ipairs(m:named_buffers()) do out[#out + 1] = {i .. "." .. pair[1], pair[2]} end
    end
  end
  return out
end

local function describe_child(m, indent)
  if nn.is_module(m) then return tostring(m) end
  if m.describe then return m:describe(indent) end
  return tostring(m)
end

function Sequential:describe(indent)
  indent = indent or ""
  local lines = {(self.label or "nn.Sequential") .. " {"}
  for i, m in ipairs(self.modules) do
    local text = describe_child(m, indent .. "  ")
    local n = count_parameters(m)
    local line = string.format("%s  (%d) %s", indent, i, text)
    if n > 0 and not text:find("\n") then
      line = line .. string.rep(" ", math.max(1, 48 - #line)) .. group_digits(n) .. " parameters"
    end
    lines[#lines + 1] = line
  end
  lines[#lines + 1] = indent .. "}"
  if indent == "" then
    lines[#lines + 1] = "Total: " .. group_digits(count_parameters(self)) .. " parameters"
  end
  return table.concat(lines, "\n")
end

function Sequential:constructor_call()
  local parts = {}
  for i, m in ipairs(self.modules) do
    local c = m.constructor or (m.constructor_call and m:constructor_call())
    if not c then return nil end
    parts[i] = c
  end
  return "nn.Sequential(" .. table.concat(parts, ", ") .. ")"
end

---------------------------------------------------------------------------------------
-- nn.Residual(f[, shortcut]): shortcut(x) + f(x), the shortcut being the identity by default.
---------------------------------------------------------------------------------------
local Residual = nn.Module("Residual")

function nn.Residual(f, shortcut)
  if not is_module(f) then error("nn.Residual: expected a module, got " .. type(f), 2) end
  if shortcut ~= nil and not is_module(shortcut) then
    error("nn.Residual: the shortcut must be a module, got " .. type(shortcut), 2)
  end
  local r = Residual()
  r.body = f
  r.shortcut = shortcut
  return r
end

function Residual:forward(x)
  local ok, y = pcall(self.body.forward, self.body, x)
  if not ok then error("In the body of nn.Residual: " .. strip_position(y), 0) end
  local s = x
  if self.shortcut then s = self.shortcut:forward(x) end
  local ok2, sum = pcall(function() return s + y end)
  if not ok2 then
    error("nn.Residual: the body's output (" .. table.concat(y:shape(), "x") .. ") cannot be added to its input ("
          .. table.concat(s:shape(), "x") .. "); give a shortcut module that maps one to the other", 0)
  end
  return sum
end

function Residual:describe(indent)
  indent = indent or ""
  local body = describe_child(self.body, indent .. "  ")
  local text = "nn.Residual(x + f(x)) " .. body
  if self.shortcut then text = text .. " with shortcut " .. describe_child(self.shortcut, indent .. "  ") end
  return text
end

function Residual:constructor_call()
  local b = self.body.constructor or (self.body.constructor_call and self.body:constructor_call())
  if not b then return nil end
  if self.shortcut then
    local s = self.shortcut.constructor or (self.shortcut.constructor_call and self.shortcut:constructor_call())
    if not s then return nil end
    return "nn.Residual(" .. b .. ", " .. s .. ")"
  end
  return "nn.Residual(" .. b .. ")"
end

"""#
}
