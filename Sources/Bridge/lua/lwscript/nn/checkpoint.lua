-- Model checkpoints: model:save(path), nn.load(path), model:load(path), over the file I/O of
-- nn.write_state / nn.read_state (Bridge/Modules/NN/ModelState.swift). A model checkpoint
-- holds every parameter and buffer by name (in order) and, as metadata, the constructor
-- call that rebuilds the model ("nn.mlp{inputs = 784, ...}").
local nn = require("nn")
local util = require("lwscript.util")
local base = require("lwscript.nn.module")
local tensor = require("tensor")
local literal = require("lwscript.literal")

local is_module = util.is_module

local function state_of(m)
  local out = {}
  for _, pair in ipairs(m:named_parameters()) do out[#out + 1] = pair end
  if m.named_buffers then
    for _, pair in ipairs(m:named_buffers()) do out[#out + 1] = pair end
  end
  return out
end

local function quote(s) return string.format("%q", s) end

-- Why a call of the Swift helper nn.<helper> failed, without its position and name: the
-- public function reports it under its own name.
local function failure(err, helper)
  return (util.strip_position(err):gsub("^nn%." .. helper .. ": ", "", 1))
end

function nn.save(m, path)
  if not is_module(m) then util.fail("nn.save: expected a module, got " .. type(m)) end
  if type(path) ~= "string" then util.fail("nn.save: expected a file path, got " .. type(path)) end
  base.check_acyclic(m, "nn.save")
  local ctor = base.constructor_of(m)
  local meta = "{format = \"lwscript model\", version = 1"
  if ctor then meta = meta .. ", constructor = " .. quote(ctor) end
  meta = meta .. "}"
  local ok, err = pcall(nn.write_state, path, state_of(m), meta)
  if not ok then util.fail("nn.save: " .. failure(err, "write_state")) end
  return m
end

local size = util.size_text

-- The metadata is data, read without running code (lwscript.literal):
-- {format = "lwscript model", version = 1[, constructor = "..."]}, nothing else.
local function read_metadata(meta)
  local info, err = literal.parse(meta)
  if info == nil then return nil, err end
  if type(info) ~= "table" then return nil, "expected a table, got " .. type(info) end
  for k in pairs(info) do
    if k ~= "format" and k ~= "version" and k ~= "constructor" then
      return nil, "unexpected field " .. string.format("%q", tostring(k))
    end
  end
  if info.format ~= "lwscript model" then return nil, "field 'format' must be \"lwscript model\"" end
  if info.version ~= 1 then return nil, "unsupported version " .. tostring(info.version) .. " (this build reads version 1)" end
  if info.constructor ~= nil and type(info.constructor) ~= "string" then
    return nil, "field 'constructor' must be a string, got " .. type(info.constructor)
  end
  return info
end

local function read_model_file(fname, path)
  if type(path) ~= "string" then util.fail(fname .. ": expected a file path, got " .. type(path)) end
  local ok, state, meta, kind = pcall(nn.read_state, path)
  if not ok then util.fail(fname .. ": " .. failure(state, "read_state")) end
  if kind ~= "model" then
    util.fail(fname .. ": " .. path .. " holds a checkpoint of kind '" .. tostring(kind) .. "', not a model")
  end
  local info, err = read_metadata(meta)
  if info == nil then util.fail(fname .. ": " .. path .. " has unreadable metadata (" .. err .. ")") end
  return state, info
end

-- What a constructor text may call: the constructors whose calls the library writes into
-- checkpoints (the Swift layers' `constructor`, the containers' and presets' calls). Only
-- these, as data: nn.Name(args) / nn.preset{key = value}, nested.
local CONSTRUCTORS = {}
for _, name in ipairs({"Linear", "Conv1d", "Conv2d", "BatchNorm1d", "BatchNorm2d", "ReLU", "Tanh", "Sigmoid",
                       "LeakyReLU", "MaxPool2d", "AvgPool2d", "GlobalAvgPool", "Dropout", "Flatten", "Transpose",
                       "Embedding", "LSTM", "Sequential", "Residual", "mlp", "resnet_cnn", "conv_lstm"}) do
  CONSTRUCTORS["nn." .. name] = name
end

local CALL = {}   -- marks a parsed call: {[CALL] = name, args = {...}}

local function parse_constructor(text)
  return literal.parse(text, function(name, args)
    if not CONSTRUCTORS[name] then return nil, name .. " is not a constructor a checkpoint may call" end
    return {[CALL] = name, args = args}
  end)
end

-- Builds what a parsed constructor describes, innermost calls first.
local function build(v)
  if type(v) ~= "table" then return v end
  if v[CALL] then
    local args = {}
    for i = 1, v.args.n do args[i] = build(v.args[i]) end
    return nn[CONSTRUCTORS[v[CALL]]](table.unpack(args, 1, v.args.n))
  end
  local out = {}
  for k, x in pairs(v) do out[k] = build(x) end
  return out
end

local function load_state(fname, m, state, path)
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
    elseif size(saved) ~= size(t) then
      problems[#problems + 1] = name .. " is " .. size(saved) .. " in the file, " .. size(t) .. " in the model"
    end
  end
  for _, pair in ipairs(state) do
    if not seen[pair[1]] then problems[#problems + 1] = "unexpected " .. pair[1] end
  end
  if #problems > 0 then
    if #problems > 8 then problems = {table.unpack(problems, 1, 8)}; problems[9] = "..." end
    util.fail(fname .. ": " .. path .. " does not fit this model: " .. table.concat(problems, "; "))
  end
  tensor.no_grad(function()
    for _, pair in ipairs(mine) do pair[2]:copy(by_name[pair[1]]) end
  end)
  return m
end

function nn.load(path)
  local state, info = read_model_file("nn.load", path)
  if not info.constructor then
    util.fail("nn.load: " .. path .. " holds a model written in Lua, which cannot be rebuilt from the file; "
              .. "build the model again and call model:load(path)")
  end
  local call, err = parse_constructor(info.constructor)
  local ok, m = call ~= nil, nil
  if ok then
    ok, m = pcall(build, call)
    err = not ok and util.strip_position(m) or (not is_module(m) and "it does not make a module") or nil
  end
  if err then
    util.fail("nn.load: cannot rebuild the model from " .. path .. " (" .. info.constructor .. "): " .. err)
  end
  return load_state("nn.load", m, state, path)
end

function nn.load_into(m, path)
  util.check_arg("nn.load_into", 1, m, util.is.module)
  base.check_acyclic(m, "model:load")
  local state = read_model_file("model:load", path)
  return load_state("model:load", m, state, path)
end

-- Lua modules and Swift layers alike get m:save(path) and m:load(path).
base.Base.save = nn.save
base.Base.load = nn.load_into
local layer_methods = debug.getregistry()["lwscript.Module.methods"]
layer_methods.save = nn.save
layer_methods.load = nn.load_into
