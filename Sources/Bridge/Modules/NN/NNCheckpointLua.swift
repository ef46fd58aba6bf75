/// Model checkpoints in Lua (model:save, nn.load, model:load) over ModelState's file I/O:
/// part of the nn chunk (see NNLua.swift), so they use its local helpers.
enum NNCheckpointLua {
    static let source = #"""
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

-- Why a call of the Swift helper nn.<helper> failed, without its position and name: the
-- public function reports it under its own name.
local function failure(err, helper)
  err = strip_position(err)
  if type(err) ~= "string" then return tostring(err) end
  return (err:gsub("^nn%." .. helper .. ": ", "", 1))
end

function nn.save(m, path)
  if not is_module(m) then error("nn.save: expected a module, got " .. type(m), 2) end
  if type(path) ~= "string" then error("nn.save: expected a file path, got " .. type(path), 2) end
  local ctor = constructor_of(m)
  local meta = "{format = \"lwscript model\", version = 1"
  if ctor then meta = meta .. ", constructor = " .. quote(ctor) end
  meta = meta .. "}"
  local ok, err = pcall(nn.write_state, path, state_of(m), meta)
  if not ok then error("nn.save: " .. failure(err, "write_state"), 2) end
  return m
end

local function read_model_file(fn, path)
  if type(path) ~= "string" then error(fn .. ": expected a file path, got " .. type(path), 3) end
  local ok, state, meta, kind = pcall(nn.read_state, path)
  if not ok then error(fn .. ": " .. failure(state, "read_state"), 3) end
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

"""#
}
