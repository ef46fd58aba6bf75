/// The Lua half of `nn`: containers, modules written in Lua, and the research presets.
/// Shipped as Lua so that a researcher can read (and copy and change) how models are wired;
/// every layer's work happens in the Swift layers it calls.
enum NNLua {
    static let source = #"""
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

function Sequential:forward(x)
  for i, m in ipairs(self.modules) do
    local ok, out = pcall(m.forward, m, x)
    if not ok then
      error("In module " .. i .. " (" .. short(m) .. ") of nn.Sequential: " .. strip_position(out), 0)
    end
    x = out
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

---------------------------------------------------------------------------------------
-- Presets: the models of the research.
---------------------------------------------------------------------------------------
local function options(fn, opts, known)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then error(fn .. ": expected an options table, got " .. type(opts), 3) end
  for k in pairs(opts) do
    local ok = false
    for _, name in ipairs(known) do if k == name then ok = true end end
    if not ok then error(fn .. ": unknown option '" .. tostring(k) .. "' (known: " .. table.concat(known, ", ") .. ")", 3) end
  end
  return opts
end

local function positive_integer(fn, name, v, default)
  if v == nil then v = default end
  if v == nil then error(fn .. ": option '" .. name .. "' is required", 3) end
  if math.type(v) == nil or v < 1 or v ~= math.floor(v) then
    error(fn .. ": option '" .. name .. "' must be a positive integer, got " .. tostring(v), 3)
  end
  return math.tointeger(v)
end

local function preset_call(name, opts, order)
  local parts = {}
  for _, k in ipairs(order) do
    local v = opts[k]
    if type(v) == "table" then v = "{" .. table.concat(v, ", ") .. "}" end
    if v ~= nil then parts[#parts + 1] = k .. " = " .. tostring(v) end
  end
  return "nn." .. name .. "{" .. table.concat(parts, ", ") .. "}"
end

-- nn.mlp{inputs=, hidden={...}, classes=, dropout=0}: Linear + ReLU (+ Dropout) layers.
function nn.mlp(opts)
  opts = options("nn.mlp", opts, {"inputs", "hidden", "classes", "dropout"})
  local inputs = positive_integer("nn.mlp", "inputs", opts.inputs)
  local classes = positive_integer("nn.mlp", "classes", opts.classes)
  local hidden = opts.hidden or {}
  if type(hidden) == "number" then hidden = {hidden} end
  local dropout = opts.dropout or 0
  local layers, width = {}, inputs
  for _, h in ipairs(hidden) do
    h = positive_integer("nn.mlp", "hidden", h)
    layers[#layers + 1] = nn.Linear(width, h)
    layers[#layers + 1] = nn.ReLU()
    if dropout > 0 then layers[#layers + 1] = nn.Dropout(dropout) end
    width = h
  end
  layers[#layers + 1] = nn.Linear(width, classes)
  local model = nn.Sequential(layers)
  model.label = "nn.mlp"
  model.preset = preset_call("mlp", {inputs = inputs, hidden = hidden, classes = classes, dropout = opts.dropout},
                             {"inputs", "hidden", "classes", "dropout"})
  return model
end

-- The residual CNN of the research. For each stage of c channels:
--   conv 3x3 (to c) + BN + ReLU, then a residual block h + BN(conv 3x3(h)), ReLU, 2x2 max-pool;
-- stages of 32 and 64 channels, then conv 3x3 to 128 + BN + ReLU + 2x2 max-pool, then
-- Linear(128 * s * s, 256) + ReLU + Dropout(0.5) + Linear(256, classes).
-- Works for 1x28x28 (s = 3) and 3x32x32 (s = 4) inputs.
function nn.resnet_cnn(opts)
  opts = options("nn.resnet_cnn", opts, {"channels", "classes", "size", "widths", "dense", "dropout"})
  local channels = positive_integer("nn.resnet_cnn", "channels", opts.channels, 1)
  local classes = positive_integer("nn.resnet_cnn", "classes", opts.classes, 10)
  local size = positive_integer("nn.resnet_cnn", "size", opts.size, 28)
  local widths = opts.widths or {32, 64, 128}
  local dense = positive_integer("nn.resnet_cnn", "dense", opts.dense, 256)
  local dropout = opts.dropout or 0.5
  if #widths ~= 3 then error("nn.resnet_cnn: option 'widths' must hold 3 channel counts", 2) end
  local layers, c, s = {}, channels, size
  local function conv_bn_relu(cin, cout)
    layers[#layers + 1] = nn.Conv2d(cin, cout, 3, {padding = 1})
    layers[#layers + 1] = nn.BatchNorm2d(cout)
    layers[#layers + 1] = nn.ReLU()
  end
  for stage = 1, 2 do
    local w = widths[stage]
    conv_bn_relu(c, w)
    layers[#layers + 1] = nn.Residual(nn.Sequential(nn.Conv2d(w, w, 3, {padding = 1}), nn.BatchNorm2d(w)))
    layers[#layers + 1] = nn.ReLU()
    layers[#layers + 1] = nn.MaxPool2d(2)
    c, s = w, s // 2
  end
  conv_bn_relu(c, widths[3])
  layers[#layers + 1] = nn.MaxPool2d(2)
  c, s = widths[3], s // 2
  if s < 1 then error("nn.resnet_cnn: images of size " .. size .. " are too small (need at least 8)", 2) end
  layers[#layers + 1] = nn.Flatten()
  layers[#layers + 1] = nn.Linear(c * s * s, dense)
  layers[#layers + 1] = nn.ReLU()
  layers[#layers + 1] = nn.Dropout(dropout)
  layers[#layers + 1] = nn.Linear(dense, classes)
  local model = nn.Sequential(layers)
  model.label = "nn.resnet_cnn"
  model.preset = preset_call("resnet_cnn", {channels = channels, classes = classes, size = size,
      widths = opts.widths, dense = opts.dense, dropout = opts.dropout},
    {"channels", "classes", "size", "widths", "dense", "dropout"})
  return model
end

-- The names -> nationality model: character embedding, 1-D conv + ReLU, LSTM, its last time
-- step, dropout, linear. Input [B, T] of 1-based character indices.
function nn.conv_lstm(opts)
  opts = options("nn.conv_lstm", opts, {"vocab", "classes", "embed", "channels", "hidden", "kernel", "dropout", "layers"})
  local vocab = positive_integer("nn.conv_lstm", "vocab", opts.vocab)
  local classes = positive_integer("nn.conv_lstm", "classes", opts.classes)
  local embed = positive_integer("nn.conv_lstm", "embed", opts.embed, 32)
  local channels = positive_integer("nn.conv_lstm", "channels", opts.channels, 64)
  local hidden = positive_integer("nn.conv_lstm", "hidden", opts.hidden, 128)
  local kernel = positive_integer("nn.conv_lstm", "kernel", opts.kernel, 3)
  local layers_n = positive_integer("nn.conv_lstm", "layers", opts.layers, 1)
  local dropout = opts.dropout or 0.5
  local model = nn.Sequential(
    nn.Embedding(vocab, embed),
    nn.Transpose(2, 3),
    nn.Conv1d(embed, channels, kernel, {padding = kernel // 2}),
    nn.ReLU(),
    nn.Transpose(2, 3),
    nn.LSTM(channels, hidden, {layers = layers_n, output = "last"}),
    nn.Dropout(dropout),
    nn.Linear(hidden, classes))
  model.label = "nn.conv_lstm"
  model.preset = preset_call("conv_lstm", {vocab = vocab, classes = classes, embed = embed, channels = channels,
      hidden = hidden, kernel = kernel, dropout = opts.dropout, layers = opts.layers},
    {"vocab", "classes", "embed", "channels", "hidden", "kernel", "dropout", "layers"})
  return model
end

---------------------------------------------------------------------------------------
-- Checkpoints: model:save(path), nn.load(path), model:load(path).
-- A model checkpoint holds every parameter and buffer by name (in order) and, as metadata,
-- the constructor call that rebuilds the model ("nn.mlp{inputs = 784, ...}").
---------------------------------------------------------------------------------------
local function constructor_of(m)
  if type(m) == "table" and m.preset then return m.preset end
  if nn.is_module(m) then return m.constructor end
  if type(m) == "table" and m.constructor_call then return m:constructor_call() end
  return nil
end

local function state_of(m)
  local out = {}
  for _, pair in ipairs(m:named_parameters()) do out[#out + 1] = pair end
  if m.named_buffers then
    for _, pair in ipairs(m:named_buffers()) do out[#out + 1] = pair end
  end
  return out
end

local function quote(s) return string.format("%q", s) end

function nn.save(m, path)
  if not is_module(m) then error("nn.save: expected a module, got " .. type(m), 2) end
  if type(path) ~= "string" then error("nn.save: expected a file path, got " .. type(path), 2) end
  local ctor = constructor_of(m)
  local meta = "{format = \"lwscript model\", version = 1"
  if ctor then meta = meta .. ", constructor = " .. quote(ctor) end
  meta = meta .. "}"
  local ok, err = pcall(nn.write_state, path, state_of(m), meta)
  if not ok then error("nn.save: " .. strip_position(err), 2) end
  return m
end

local function read_model_file(fn, path)
  if type(path) ~= "string" then error(fn .. ": expected a file path, got " .. type(path), 3) end
  local ok, state, meta, kind = pcall(nn.read_state, path)
  if not ok then error(fn .. ": " .. strip_position(state), 3) end
  if kind ~= "model" then
    error(fn .. ": " .. path .. " holds a checkpoint of kind '" .. tostring(kind) .. "', not a model", 3)
  end
  local chunk = load("return " .. meta, "=checkpoint metadata", "t", {})
  local info = chunk and select(2, pcall(chunk))
  if type(info) ~= "table" then error(fn .. ": " .. path .. " has unreadable metadata", 3) end
  return state, info
end

local function load_state(fn, m, state, path)
  local mine = state_of(m)
  local by_name = {}
  for _, pair in ipairs(state) do by_name[pair[1]] = pair[2] end
  local problems, seen = {}, {}
  for _, pair in ipairs(mine) do
    local name, t = pair[1], pair[2]
    seen[name] = true
    local saved = by_name[name]
    if not saved then
      problems[#problems + 1] = "missing " .. name
    elseif table.concat(saved:shape(), "x") ~= table.concat(t:shape(), "x") then
      problems[#problems + 1] = name .. " is " .. table.concat(saved:shape(), "x") .. " in the file, "
        .. table.concat(t:shape(), "x") .. " in the model"
    end
  end
  for _, pair in ipairs(state) do
    if not seen[pair[1]] then problems[#problems + 1] = "unexpected " .. pair[1] end
  end
  if #problems > 0 then
    if #problems > 8 then problems = {table.unpack(problems, 1, 8)}; problems[9] = "..." end
    error(fn .. ": " .. path .. " does not fit this model: " .. table.concat(problems, "; "), 3)
  end
  tensor.no_grad(function()
    for _, pair in ipairs(mine) do pair[2]:copy(by_name[pair[1]]) end
  end)
  return m
end

function nn.load(path)
  local state, info = read_model_file("nn.load", path)
  if not info.constructor then
    error("nn.load: " .. path .. " holds a model written in Lua, which cannot be rebuilt from the file; "
          .. "build the model again and call model:load(path)", 2)
  end
  local build = load("return " .. info.constructor, "=checkpoint constructor", "t", {nn = nn})
  local ok, m = pcall(build or error)
  if not ok or not is_module(m) then
    error("nn.load: cannot rebuild the model from " .. path .. " (" .. tostring(info.constructor) .. ")", 2)
  end
  return load_state("nn.load", m, state, path)
end

function nn.load_into(m, path)
  local state = read_model_file("model:load", path)
  return load_state("model:load", m, state, path)
end

Base.save = nn.save
Base.load = nn.load_into
local module_methods = debug.getregistry()["lwscript.Module.methods"]
module_methods.save = nn.save
module_methods.load = nn.load_into

return nn
"""#
}
