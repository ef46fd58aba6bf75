-- Training throughput of the research models on synthetic data (release build):
--   swift build -c release
--   .build/release/lwscript scripts/bench/train.lua mlp|cnn|convlstm [steps] [batch]
-- Prints samples per second; scripts/bench/train.py measures PyTorch the same way and
-- scripts/bench/compare runs both and prints the ratio.
local which = arg[1] or "mlp"
local steps = tonumber(arg[2]) or 30
local batch = tonumber(arg[3]) or 128
sys.threads(2)
tensor.seed(1)

local model, x, y, classes
if which == "mlp" then
  model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
  x = tensor.randn(batch, 784)
  classes = 10
elseif which == "cnn" then
  model = nn.resnet_cnn{channels = 1, classes = 10, size = 28}
  x = tensor.randn(batch, 1, 28, 28)
  classes = 10
elseif which == "convlstm" then
  model = nn.conv_lstm{vocab = 60, classes = 18, embed = 32, channels = 64, hidden = 128}
  x = (tensor.rand(batch, 20) * 59):floor() + 1
  classes = 18
else
  error("unknown model '" .. which .. "' (mlp, cnn, convlstm)")
end
y = (tensor.rand(batch) * classes):floor() + 1

-- SGD with momentum 0.9: optim.SGD when present, else the same update written in Lua
local params = model:parameters()
local step
if optim and optim.SGD then
  local opt = optim.SGD(params, {lr = 0.01, momentum = 0.9})
  step = function() opt:step(); opt:zero_grad() end
else
  local v = {}
  step = function()
    tensor.no_grad(function()
      for i, p in ipairs(params) do
        v[i] = v[i] and (v[i] * 0.9 + p.grad) or p.grad:clone()
        p:copy(p - v[i] * 0.01)
        p.grad = nil
      end
    end)
  end
end

local ce = loss.cross_entropy()
local function train_step()
  local l = ce(model(x), y)
  l:backward()
  step()
  return l
end
for _ = 1, 3 do train_step() end   -- warm up
collectgarbage()
local t0 = sys.clock()
for _ = 1, steps do train_step() end
local secs = sys.clock() - t0
print(string.format("lwscript %s: %.1f samples/s (%d steps of %d in %.2f s)", which, steps * batch / secs, steps, batch, secs))
