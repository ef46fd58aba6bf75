-- Where one training step of a model spends its time: forward per top-level layer, backward
-- per operation (tensor.profile), and the optimizer step. Release build:
--   .build/release/lwscript scripts/bench/profile_step.lua cnn|mlp|convlstm [steps] [batch] [train|eval]
-- eval times the forward pass alone, in evaluation mode without recording gradients.
local which = arg[1] or "cnn"
local steps = tonumber(arg[2]) or 5
local batch = tonumber(arg[3]) or 128
local mode = arg[4] or "train"
assert(mode == "train" or mode == "eval", "mode must be train or eval, not '" .. mode .. "'")
sys.threads(2)
tensor.seed(1)
local model, x, classes
if which == "cnn" then
  model, x, classes = nn.resnet_cnn{channels = 1, classes = 10, size = 28}, tensor.randn(batch, 1, 28, 28), 10
elseif which == "cnn32" then
  model, x, classes = nn.resnet_cnn{channels = 3, classes = 10, size = 32}, tensor.randn(batch, 3, 32, 32), 10
elseif which == "mlp" then
  model, x, classes = nn.mlp{inputs = 784, hidden = {256}, classes = 10}, tensor.randn(batch, 784), 10
else
  model, classes = nn.conv_lstm{vocab = 60, classes = 18}, 18
  x = (tensor.rand(batch, 20) * 59):floor() + 1
end
local y = (tensor.rand(batch) * classes):floor() + 1
local opt = optim.SGD(model:parameters(), {lr = 0.01, momentum = 0.9})
local ce = loss.cross_entropy()
-- Layer by layer as nn.Sequential runs them: a pair with a fused kernel (nn.fused_forward)
-- is timed as one, under the first layer's line.
local forward_time = {}
local function timed_forward(input)
  local i, modules = 1, model.modules
  while modules[i] do
    local t0 = sys.clock()
    local out = nn.fused_forward(modules[i], modules[i + 1], input)
    local step = out and 2 or 1
    input = out or modules[i]:forward(input)
    forward_time[i] = (forward_time[i] or 0) + sys.clock() - t0
    if step == 2 then forward_time[i + 1] = 0 end
    i = i + step
  end
  return input
end
-- prints each layer's forward time per step under `title`; returns the total in seconds
local function print_forward(title)
  local total = 0
  print(title)
  for i, m in ipairs(model.modules) do
    total = total + forward_time[i]
    print(string.format("  %-40s %7.3f", tostring(m):match("^[^\n]*"):sub(1, 40), forward_time[i] / steps * 1e3))
  end
  return total
end
if mode == "eval" then
  model:eval()
  tensor.no_grad(function() timed_forward(x) end); forward_time = {}
  tensor.no_grad(function() for _ = 1, steps do timed_forward(x) end end)
  local total = print_forward("forward per layer (ms per batch, evaluation):")
  print(string.format("forward %.2f ms per batch of %d", total / steps * 1e3, batch))
  return
end
timed_forward(x); forward_time = {}
local t_loss, t_back, t_opt = 0, 0, 0
tensor.profile(true)
for _ = 1, steps do
  local out = timed_forward(x)
  local t0 = sys.clock(); local l = ce(out, y); t_loss = t_loss + sys.clock() - t0
  t0 = sys.clock(); l:backward(); t_back = t_back + sys.clock() - t0
  t0 = sys.clock(); opt:step(); opt:zero_grad(); t_opt = t_opt + sys.clock() - t0
end
local report = tensor.profile()
local total_fwd = print_forward("forward per layer (ms per step):")
print("backward per operation (ms per step):")
for _, row in ipairs(report) do print(string.format("  %-20s %5d calls %8.2f", row[1], row[2] // steps, row[3] / steps)) end
print(string.format("forward %.1f ms, loss %.1f ms, backward %.1f ms, optimizer %.1f ms per step",
  total_fwd / steps * 1e3, t_loss / steps * 1e3, t_back / steps * 1e3, t_opt / steps * 1e3))
