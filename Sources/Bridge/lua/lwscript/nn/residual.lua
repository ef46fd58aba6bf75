-- nn.Residual(f[, shortcut]): shortcut(x) + f(x), the shortcut being the identity by default.
local nn = require("nn")
local util = require("lwscript.util")
local base = require("lwscript.nn.module")
local tensor = require("tensor")


local Residual = nn.Module("Residual")

function nn.Residual(f, shortcut)
  util.check_arg("nn.Residual", 1, f, util.is.module)
  if shortcut ~= nil then util.check_arg("nn.Residual", 2, shortcut, util.is.module) end
  local r = Residual()
  r.body = f
  r.shortcut = shortcut
  return r
end

function Residual.child_label(_, part)
  return "In the " .. part .. " of nn.Residual"
end

local size = util.size_text

function Residual:forward(x)
  base.before_forward(self)
  local y = base.forward_child(self, "body", self.body.forward, self.body, x)
  local s = x
  if self.shortcut then s = base.forward_child(self, "shortcut", self.shortcut.forward, self.shortcut, x) end
  if not tensor.is_tensor(y) then util.fail("nn.Residual: the body returned " .. util.returned(y) .. ", expected a Tensor") end
  if not tensor.is_tensor(s) then util.fail("nn.Residual: the shortcut returned " .. util.returned(s) .. ", expected a Tensor") end
  local ok, sum = pcall(function() return s + y end)
  if not ok then
    util.fail("nn.Residual: the body's output (" .. size(y) .. ") cannot be added to its input ("
              .. size(s) .. "); give a shortcut module that maps one to the other")
  end
  return sum
end

function Residual:describe(indent)
  base.check_acyclic(self, "nn.Residual")
  indent = indent or ""
  local body = base.describe_child(self.body, indent .. "  ")
  local text = "nn.Residual(x + f(x)) " .. body
  if self.shortcut then text = text .. " with shortcut " .. base.describe_child(self.shortcut, indent .. "  ") end
  return text
end

function Residual:constructor_call()
  base.check_acyclic(self, "nn.Residual")
  local b = base.constructor_of(self.body)
  if not b then return nil end
  if self.shortcut then
    local s = base.constructor_of(self.shortcut)
    if not s then return nil end
    return "nn.Residual(" .. b .. ", " .. s .. ")"
  end
  return "nn.Residual(" .. b .. ")"
end

base.check_self(Residual, "Residual", "an nn.Residual", function(v) return getmetatable(v) == Residual end)

return Residual
