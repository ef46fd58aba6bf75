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
-- A model that contains itself. A container that holds itself, directly or through other
-- containers (s:add(s)), would recurse without end when printed, asked for its parameters,
-- saved or run; the methods that walk the children check first, and the error says where
-- the loop closes.
---------------------------------------------------------------------------------------

-- The children of a Lua module with the names its messages use ("module 2", "body").
local function child_entries(m)
  if type(m) ~= "table" or type(m.child_entries) ~= "function" then return {} end
  return m:child_entries()
end

-- M.reaches(from, target): whether target is from or one of its descendants.
function M.reaches(from, target)
  local seen = {}
  local function walk(node)
    if rawequal(node, target) then return true end
    if type(node) ~= "table" or seen[node] then return false end
    seen[node] = true
    for _, entry in ipairs(child_entries(node)) do
      if walk(entry[2]) then return true end
    end
    return false
  end
  return walk(from)
end

-- Whether the model m contains itself (a first pass without names, as it runs before every
-- forward of the outermost container), and how deep its containers nest.
local function has_cycle(m)
  local on_path, deepest = {}, 0
  local function visit(node, depth)
    on_path[node] = true
    deepest = math.max(deepest, depth)
    for _, child in ipairs(node:children()) do
      if on_path[child] then return true end
      if type(child) == "table" and type(child.children) == "function" and visit(child, depth + 1) then return true end
    end
    on_path[node] = nil
    return false
  end
  if not (type(m) == "table" and type(m.children) == "function") then return false, 0 end
  return visit(m, 1), deepest
end

-- Containers nested deeper than this do not run: each level of a forward takes room on
-- Lua's C stack (a protected call per child), which ends near 200 levels with "C stack
-- overflow".
M.MAX_NESTING = 100

-- M.check_acyclic(m, fname): m, or an error "fname: the model contains itself: module 2 >
-- body is module 2 again (...)".
function M.check_acyclic(m, fname)
  local cycle, deepest = has_cycle(m)
  if not cycle then
    if deepest > M.MAX_NESTING then
      util.fail(string.format("%s: containers are nested %d deep; at most %d levels run (each takes room on Lua's C stack)",
                              fname, deepest, M.MAX_NESTING))
    end
    return m
  end
  local on_path, path = {}, {}
  local function visit(node)
    on_path[node] = #path
    for _, entry in ipairs(child_entries(node)) do
      local child = entry[2]
      path[#path + 1] = entry[1]
      local depth = on_path[child]
      if depth ~= nil then
        local again = depth == 0 and "the model" or table.concat(path, " > ", 1, depth)
        util.fail(string.format("%s: the model contains itself: %s is %s again (a container cannot hold itself, "
                                .. "directly or through other containers)", fname, table.concat(path, " > "), again))
      end
      if type(child) == "table" then visit(child) end
      path[#path] = nil
    end
    on_path[node] = nil
  end
  visit(m)
  -- (children() and child_entries() of a module of the user's that disagree)
  util.fail(fname .. ": the model contains itself (a container cannot hold itself, directly or through other containers)")
end

-- How deep containers are running their children (M.forward_child). The outermost
-- container checks the model before it runs; a depth no real model reaches (left by
-- coroutines abandoned inside a forward, which skip the outermost check) checks again.
local forward_depth = 0
local FORWARD_DEPTH_CHECK = 40

-- M.before_forward(container): called by a container's forward before it runs its children.
function M.before_forward(container)
  if forward_depth == 0 or forward_depth >= FORWARD_DEPTH_CHECK then
    forward_depth = 0
    M.check_acyclic(container, "nn." .. container.kind)
  end
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
  forward_depth = forward_depth + 1
  local ok, out = util.try(f, ...)
  forward_depth = math.max(0, forward_depth - 1)
  if not ok then util.raise_again(out, container:child_label(label) .. ": ") end
  return out
end

---------------------------------------------------------------------------------------
-- Methods called with a dot. m.eval() instead of m:eval() calls the method without self
-- (or with the first argument as self); each method of the library's classes checks self
-- first, so that the error says so instead of failing somewhere inside.
---------------------------------------------------------------------------------------

local classes = setmetatable({}, {__mode = "k"})   -- the classes nn.Module made

-- Whether v is an instance of a class made by nn.Module.
function M.is_lua_module(v)
  return type(v) == "table" and classes[getmetatable(v)] == true
end

-- M.check_self(class, display, expected, test): every method of `class` (its functions
-- but the metamethods) checks its self with test(self) first; otherwise "calling
-- 'display:name' on bad self (expected <expected>, got nil; ...)".
function M.check_self(class, display, expected, test)
  local names = {}
  for name, f in pairs(class) do
    if type(f) == "function" and type(name) == "string" and not name:match("^__") then names[#names + 1] = name end
  end
  for _, name in ipairs(names) do
    local f = class[name]
    class[name] = function(...)
      if not test((...)) then
        local came = select("#", ...) == 0 and "no value" or util.describe((...))
        util.fail(string.format("calling '%s:%s' on bad self (expected %s, got %s; call it with a colon: m:%s(...))",
                                display, name, expected, came, name))
      end
      return f(...)
    end
  end
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
  M.check_acyclic(self, "nn." .. self.kind)
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
  M.check_acyclic(self, "nn." .. self.kind)
  local out = {}
  for _, k in ipairs(sorted_fields(self)) do
    local v = self[k]
    if is_module(v) and v ~= self and v.named_buffers then
      for _, pair in ipairs(v:named_buffers()) do out[#out + 1] = {k .. "." .. pair[1], pair[2]} end
    end
  end
  return out
end

-- {{name, child}, ...}: the fields holding modules (but self), in sorted order.
function Base:child_entries()
  local out = {}
  for _, k in ipairs(sorted_fields(self)) do
    if is_module(self[k]) and self[k] ~= self then out[#out + 1] = {k, self[k]} end
  end
  return out
end

function Base:children()
  local out = {}
  for i, entry in ipairs(self:child_entries()) do out[i] = entry[2] end
  return out
end

function Base:train(on)
  if on == nil then on = true end
  if on ~= true and on ~= false then
    util.arg_error("Module:train", 1, "expected true, false or nothing, got " .. util.describe(on))
  end
  M.check_acyclic(self, "nn." .. self.kind)
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
  if kind ~= nil and type(kind) ~= "string" then
    util.arg_error("nn.Module", 1, "expected the name of the kind of module (a string), got " .. util.describe(kind))
  end
  local class = setmetatable({}, {__index = Base})
  classes[class] = true
  class.__index = class
  class.__name = kind or "Module"
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

M.check_self(Base, "Module", "a module", M.is_lua_module)

return M
