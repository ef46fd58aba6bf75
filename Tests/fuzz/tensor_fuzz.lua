-- Calls every tensor function and method with hostile argument combinations under pcall.
-- Passing means the process is still alive at the end: errors are fine, crashes are not.
-- Run by CLITests in a subprocess, so a crash is reported as a signal, not lost, and in a
-- scratch directory: functions that write files receive relative paths such as "x". Run it
-- by hand from an empty directory too.
local seed = tonumber(arg and arg[1]) or 1
math.randomseed(seed)

local function pool()
  return {
    nil, 0, 1, 2, 3, -1, -2, 0.5, 1e300, -1e300, 0 / 0, math.huge, -math.huge,
    math.maxinteger, math.mininteger, "x", "", true, {}, {1, 2}, {{1}, {2, 3}}, {-1, 2},
    {0 / 0}, {1e300}, {keepdim = true}, {keepdim = 1}, {unbiased = false}, print,
    tensor.new(2.5), tensor.new({1, 2, 3}), tensor.new({{1, 2}, {3, 4}}), tensor.zeros(0),
    tensor.zeros(2, 0, 3), tensor.new({0 / 0, 1}), tensor.ones(2, 3):t(),
    tensor.ones(1, 3, 1), tensor.new({1e30, -1e30}),
    100000, tensor.ones(2, 3, 8, 8), tensor.ones(2, 5, 3), nn.Linear(3, 2), nn.ReLU(),
    nn.Sequential(nn.Linear(2, 2)), loss.cross_entropy(), {1, 2, 3, 4, 5, 6, 7},
  }
end
local values = pool()
local n = 45  -- #values with the nil hole counted

local function pick() return values[math.random(n)] end

local targets = {}
-- tensor.save writes where it is told: fuzz it with every string path sent to a scratch file.
local scratch, save = os.tmpname(), tensor.save
local function redirected_save(path, ...) return save(type(path) == "string" and scratch or path, ...) end
for name, fn in pairs(tensor) do
  targets[#targets + 1] = {"tensor." .. name, name == "save" and redirected_save or fn, false}
end
local methods = debug.getregistry()["lwscript.Tensor.methods"]
for name, fn in pairs(methods) do targets[#targets + 1] = {"Tensor:" .. name, fn, true} end
local mt = debug.getregistry()["lwscript.Tensor"]
for _, name in ipairs({"__add", "__sub", "__mul", "__div", "__pow", "__unm", "__len", "__index",
                       "__newindex", "__lt", "__le", "__tostring"}) do
  targets[#targets + 1] = {"Tensor " .. name, mt[name], false}
end
-- nn.save(m, path) and nn.write_state(path, ...) write files too: paths go to the scratch file.
local function redirect(fn, position)
  return function(...)
    local args = table.pack(...)
    if type(args[position]) == "string" then args[position] = scratch end
    return fn(table.unpack(args, 1, args.n))
  end
end
for name, fn in pairs(nn) do
  local target = name == "save" and redirect(fn, 2) or name == "write_state" and redirect(fn, 1) or fn
  targets[#targets + 1] = {"nn." .. name, target, false}
end
for name, fn in pairs(loss) do targets[#targets + 1] = {"loss." .. name, fn, false} end
for name, fn in pairs(weights) do targets[#targets + 1] = {"weights." .. name, fn, false} end
for name, fn in pairs(metrics) do targets[#targets + 1] = {"metrics." .. name, fn, false} end
for name, fn in pairs(stats or {}) do targets[#targets + 1] = {"stats." .. name, fn, false} end
-- csv.write and Plot:save write where they are told: every string path goes to the scratch file.
targets[#targets + 1] = {"csv.write", function(path, ...) return csv.write(type(path) == "string" and scratch or path, ...) end, false}
targets[#targets + 1] = {"csv.read", function(path) return csv.read(type(path) == "string" and scratch or path) end, false}
for _, name in ipairs({"bars", "heatmap", "lines", "scatter"}) do targets[#targets + 1] = {"plot." .. name, plot[name], false} end
local a_plot = plot.bars{labels = {"a", "b"}, series = {{name = "s", values = {0.5, 0 / 0}}}}
targets[#targets + 1] = {"Plot:save", function(p, path)
  return a_plot.save(math.random(2) == 1 and a_plot or p, type(path) == "string" and scratch .. ".svg" or path)
end, false}
targets[#targets + 1] = {"Plot:svg", a_plot.svg, false}
for name, fn in pairs(debug.getregistry()["lwscript.Module.methods"]) do
  -- Module:save too writes where it is told (it left a file "x" in the working directory)
  local target = fn
  if name == "save" then target = redirect(fn, 2) end
  targets[#targets + 1] = {"Module:" .. name, target, true}
end
for name, fn in pairs(sys) do
  if name ~= "threads" and name ~= "mkdir" then targets[#targets + 1] = {"sys." .. name, fn, false} end
end
-- functions that write files write where they are told: every string path goes to scratch
local scratch_dir = scratch .. ".d"
local function to_scratch_dir(fn) return function(path, ...) return fn(type(path) == "string" and scratch_dir or path, ...) end end
targets[#targets + 1] = {"sys.mkdir", to_scratch_dir(sys.mkdir), false}
for _, name in ipairs({"json", "summary_table", "evaluate", "train", "learnability"}) do
  targets[#targets + 1] = {"experiment." .. name, experiment[name], false}
end
targets[#targets + 1] = {"experiment.save_run", to_scratch_dir(experiment.save_run), false}
targets[#targets + 1] = {"experiment.write_json", to_scratch_dir(experiment.write_json), false}
for name, fn in pairs(experiment.methods) do targets[#targets + 1] = {"experiment.methods." .. name, fn, false} end
table.sort(targets, function(a, b) return a[1] < b[1] end)

local calls, errors = 0, 0
for _, target in ipairs(targets) do
  local fn = target[2]
  -- every pair of pool values, then random triples and quadruples
  for i = 1, n do
    for j = 1, n do
      local ok = pcall(fn, values[i], values[j])
      calls = calls + 1
      if not ok then errors = errors + 1 end
    end
  end
  for _ = 1, 600 do
    local ok = pcall(fn, pick(), pick(), pick(), pick())
    calls = calls + 1
    if not ok then errors = errors + 1 end
  end
end
-- the state still works
assert((tensor.ones(2) + 1):sum():item() == 4)
os.remove(scratch)
os.remove(scratch .. ".svg")
os.remove(scratch .. ".csv")
os.execute("rm -rf '" .. scratch_dir .. "'")
print(string.format("fuzz: %d targets, %d calls, %d raised errors, no crash", #targets, calls, errors))
