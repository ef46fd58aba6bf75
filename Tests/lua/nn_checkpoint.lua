-- Model checkpoints: round trips of every preset, Lua-written models, resuming training
-- exactly (model and optimizer state), and clear errors for files that do not fit.
local T = require("testing")
local dir = os.tmpname(); os.remove(dir); os.execute("mkdir -p " .. dir)
local function path(name) return dir .. "/" .. name end
tensor.seed(2)

local function same_outputs(a, b, x)
  a:eval(); b:eval()
  return tensor.allclose(a(x), b(x), 1e-6, 1e-7)
end

-- presets and plain layers rebuild from the file alone
local cases = {
  {nn.mlp{inputs = 6, hidden = {5, 4}, classes = 3, dropout = 0.2}, tensor.randn(2, 6)},
  {nn.resnet_cnn{channels = 3, classes = 4, size = 8, widths = {4, 4, 8}, dense = 8}, tensor.randn(2, 3, 8, 8)},
  {nn.conv_lstm{vocab = 9, classes = 3, embed = 4, channels = 4, hidden = 5}, tensor.new({{1, 2, 3}, {4, 5, 9}})},
  {nn.Sequential(nn.Conv2d(1, 2, 3, {stride = 2}), nn.BatchNorm2d(2), nn.LeakyReLU(0.2), nn.AvgPool2d(2), nn.Flatten(),
                 nn.Linear(8, 2)), tensor.randn(3, 1, 9, 9)},
  {nn.LSTM(3, 4, {layers = 2, output = "last"}), tensor.randn(2, 5, 3)},
}
for i, case in ipairs(cases) do
  local m, x = case[1], case[2]
  m:train(); m(x)                                -- running statistics move away from their defaults
  m:save(path("m" .. i))
  local back = nn.load(path("m" .. i))
  T.eq(same_outputs(m, back, x), true, "preset round trip " .. i)
  T.eq(tostring(back), tostring(m), "rebuilt model prints the same " .. i)
end

-- a model written in Lua: its weights load into a rebuilt model; nn.load says why it cannot
local Scale = nn.Module("Scale")
function Scale:init(n) self.weight = tensor.randn(n):requires_grad() end
function Scale:forward(x) return x * self.weight end
local custom = nn.Sequential(nn.Linear(3, 3), Scale(3))
custom:save(path("custom"))
T.raises("holds a model written in Lua", nn.load, path("custom"))
local again = nn.Sequential(nn.Linear(3, 3), Scale(3))
again:load(path("custom"))
T.eq(tensor.allclose(again(tensor.ones(1, 3)), custom(tensor.ones(1, 3))), true, "model:load fills a rebuilt Lua model")

-- resuming: model + optimizer saved at step 3 continue exactly like the uninterrupted run
local function make()
  tensor.seed(11)
  local m = nn.mlp{inputs = 4, hidden = {8}, classes = 3}
  return m, optim.Adam(m:parameters(), {lr = 0.01})
end
local xs, ys = tensor.randn(16, 4), tensor.new({1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1})
local ce = loss.cross_entropy()
local function steps(m, opt, n)
  for _ = 1, n do ce(m(xs), ys):backward(); opt:step(); opt:zero_grad() end
end
local m1, o1 = make()
steps(m1, o1, 3)
m1:save(path("resume.model")); o1:save(path("resume.optim"))
steps(m1, o1, 3)
local m2 = nn.load(path("resume.model"))
local o2 = optim.Adam(m2:parameters(), {lr = 0.01}); o2:load(path("resume.optim"))
steps(m2, o2, 3)
T.eq(tensor.equal(m1.modules[1].weight, m2.modules[1].weight), true, "resumed training is identical")

-- files that do not fit
tensor.save(path("plain"), {w = tensor.ones(2)})
T.raises("holds a checkpoint of kind 'tensors', not a model", nn.load, path("plain"))
T.raises("does not fit this model: 1.weight is 5x6 in the file, 5x7 in the model",
         function() nn.mlp{inputs = 7, hidden = {5, 4}, classes = 3}:load(path("m1")) end)
T.raises("missing", function() nn.mlp{inputs = 6, hidden = {5, 4, 2}, classes = 3}:load(path("m1")) end)
local f = io.open(path("m1"), "rb"); local bytes = f:read("a"); f:close()
f = io.open(path("cut"), "wb"); f:write(bytes:sub(1, #bytes // 2)); f:close()
T.raises("nn.load:", nn.load, path("cut"))
f = io.open(path("flip"), "wb"); f:write(bytes:sub(1, 200) .. string.char((bytes:byte(201) + 1) % 256) .. bytes:sub(202)); f:close()
T.raises("nn.load:", nn.load, path("flip"))
T.raises("nn.load:", nn.load, path("no-such-file"))
T.raises("nn.save: expected a module", nn.save, 5, path("x"))
os.execute("rm -rf " .. dir)
print("nn_checkpoint.lua: all checks ran")
