-- nn.Residual(f[, shortcut]): shortcut(x) + f(x), the shortcut being the identity by default.
local nn = require("nn")
local util = require("lwscript.util")
local base = require("lwscript.nn.module")

local is_module = util.is_module

local Residual = nn.Module("Residual")

function nn.Residual(f, shortcut)
  if not is_module(f) then util.fail("nn.Residual: expected a module, got " .. type(f)) end
  if shortcut ~= nil and not is_module(shortcut) then
    util.fail("nn.Residual: the shortcut must be a module, got " .. type(shortcut))
  end
  local r = Residual()
  r.body = f
  r.shortcut = shortcut
  return r
end

function Residual.child_label(_, part)
  return "In the " .. part .. " of nn.Residual"
end

local function size(t) return table.concat(t:shape(), "x") end

function Residual:forward(x)
  local y = base.forward_child(self, "body", self.body.forward, self.body, x)
  local s = x
  if self.shortcut then s = base.forward_child(self, "shortcut", self.shortcut.forward, self.shortcut, x) end
  local ok, sum = pcall(function() return s + y end)
  if not ok then
    error("nn.Residual: the body's output (" .. size(y) .. ") cannot be added to its input ("
          .. size(s) .. "); give a shortcut module that maps one to the other", 0)
  end
  return sum
end

function Residual:describe(indent)
  indent = indent or ""
  local body = base.describe_child(self.body, indent .. "  ")
  local text = "nn.Residual(x + f(x)) " .. body
  if self.shortcut then text = text .. " with shortcut " .. base.describe_child(self.shortcut, indent .. "  ") end
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

return Residual
