-- What batching adds to a training epoch of the MLP on Fashion-MNIST (release build):
--   .build/release/lwscript scripts/bench/batching.lua [epochs]
-- Trains one epoch fed by ds:batches (uint8 images normalised per batch, shuffled) and one
-- over the same batches prepared beforehand, and prints the difference as a share of the epoch.
local epochs = tonumber(arg[1]) or 3
sys.threads(2)
local train = data.fashion_mnist()
local model = nn.mlp{inputs = 784, hidden = {256}, classes = 10}
local opt = optim.SGD(model:parameters(), {lr = 0.01, momentum = 0.9})
local ce = loss.cross_entropy()
local function step(x, y)
  ce(model(x:reshape(x:size(1), 784)), y):backward()
  opt:step(); opt:zero_grad()
end
local prepared = {}
for x, y in train:batches(128, {shuffle = true, seed = 1}) do prepared[#prepared + 1] = {x, y} end
local with_batches, without = math.huge, math.huge
for e = 1, epochs do
  local t0 = sys.clock()
  for x, y in train:batches(128, {shuffle = true, seed = e}) do step(x, y) end
  with_batches = math.min(with_batches, sys.clock() - t0)
  t0 = sys.clock()
  for _, b in ipairs(prepared) do step(b[1], b[2]) end
  without = math.min(without, sys.clock() - t0)
end
print(string.format("epoch with ds:batches %.3f s, with prepared batches %.3f s: batching adds %.1f%%",
  with_batches, without, 100 * (with_batches - without) / without))
