-- nn.Module(kind): the class of modules written in Lua, and what the containers share:
-- describing children and saying where in a model a layer failed.
--
--   local Scale = nn.Module("Scale")
--   function Scale:init(n) self.weight = tensor.ones(n):requires_grad() end
--   function Scale:forward(x) return x * self.weight end
--   local m = Scale(3)
--
-- Parameters are the fields holding tensors that require grad and the fields holding
-- modules (recursively), in sorted field order.
local nn = require("nn")
local util = require("lwscript.util")
local tensor = require("tensor")

local M = {}

local is_module = util.is_module

-- A short name for messages: a Swift layer's summary ("Linear(784 -> 256)") or a Lua
-- module's kind.
function M.short(m)
  if nn.is_module(m) then return tostring(m) end
  return m.kind or "module"
end

function M.count_parameters(m)
  local n = 0
  for _, p in ipairs(m:parameters()) do n = n + p:numel() end
  return n
end

function M.group_digits(n)
  local s = tostring(math.floor(n))
  return (s:reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", ""))
end

function M.describe_child(m, indent)
  if nn.is_module(m) then return tostring(m) end
  if m.describe then return m:describe(indent) end
  return tostring(m)
end

-- The constructor call that rebuilds m, when there is one (checkpoints store it).
function M.constructor_of(m)
  if type(m) == "table" and m.preset then return m.preset end
  if nn.is_module(m) then return m.constructor end
  if type(m) == "table" and m.constructor_call then return m:constructor_call() end
  return nil
end

---------------------------------------------------------------------------------------
-- Where a layer failed. A container runs each child through M.forward_child: an error of
-- a Swift layer (or of an inner container) gets the container's context, so that it says
-- where the layer sits ("In module 4 (Residual) of nn.Sequential: In the body of
-- nn.Residual: ..."); an error raised in a Lua module of the user's goes on unchanged, with
-- its own position and traceback.
---------------------------------------------------------------------------------------

-- M.forward_child(container, label, f, ...): f(...) (the child's forward), its error raised
-- again with container:child_label(label) in front.
function M.forward_child(container, label, f, ...)
  local ok, out = util.try(f, ...)
  if not ok then util.raise_again(out, container:child_label(label) .. ": ") end
  return out
end

---------------------------------------------------------------------------------------
-- The base class.
---------------------------------------------------------------------------------------
local Base = {}
Base.__index = Base
M.Base = Base

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

function Base:num_parameters() return M.count_parameters(self) end

function Base:describe()
  return (self.kind or "Module") .. "()"
end

function Base:child_label(label)
  return "In " .. tostring(label) .. " of " .. (self.kind or "a module")
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

return M
