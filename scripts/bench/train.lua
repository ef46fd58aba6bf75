-- Throughput of the research models on synthetic data (release build):
--   swift build -c release
--   .build/release/lwscript scripts/bench/train.lua mlp|cnn|cnn32|convlstm [steps] [batch] [train|eval]
-- train: forward, cross-entropy, backward and an SGD-with-momentum step per batch;
-- eval: the forward pass alone, in evaluation mode without recording gradients.
-- Prints samples per second; scripts/bench/train.py measures PyTorch the same way and
-- scripts/bench/compare runs them alternately and prints the ratios.
local which = arg[1] or "mlp"
local steps = tonumber(arg[2]) or 30
local batch = tonumber(arg[3]) or 128
local mode = arg[4] or "train"
assert(mode == "train" or mode == "eval", "mode must be train or eval, not '" .. mode .. "'")
sys.threads(2)
tensor.seed(1)

local model, x, classes
if which == "mlp" then
  model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
  x = tensor.randn(batch, 784)
  classes = 10
elseif which == "cnn" then
  model = nn.resnet_cnn{channels = 1, classes = 10, size = 28}
  x = tensor.randn(batch, 1, 28, 28)
  classes = 10
elseif which == "cnn32" then   -- CIFAR-sized images
  model = nn.resnet_cnn{channels = 3, classes = 10, size = 32}
  x = tensor.randn(batch, 3, 32, 32)
  classes = 10
elseif which == "convlstm" then
  model = nn.conv_lstm{vocab = 60, classes = 18, embed = 32, channels = 64, hidden = 128}
  x = (tensor.rand(batch, 20) * 59):floor() + 1
  classes = 18
else
  error("unknown model '" .. which .. "' (mlp, cnn, cnn32, convlstm)")
end
local y = (tensor.rand(batch) * classes):floor() + 1

local run
if mode == "train" then
  local opt = optim.SGD(model:parameters(), {lr = 0.01, momentum = 0.9})
  local ce = loss.cross_entropy()
  run = function()
    local l = ce(model(x), y)
    l:backward()
    opt:step(); opt:zero_grad()
  end
else
  model:eval()
  run = function() tensor.no_grad(function() return model(x) end) end
end
for _ = 1, 3 do run() end   -- warm up
collectgarbage()
local t0 = sys.clock()
for _ = 1, steps do run() end
local secs = sys.clock() - t0
print(string.format("lwscript %s %s: %.1f samples/s (%d steps of %d in %.2f s)", which, mode, steps * batch / secs, steps,
                    batch, secs))
