-- What batching adds to a training epoch of the MLP on Fashion-MNIST (release build):
--   .build/release/lwscript scripts/bench/batching.lua [epochs]
-- Trains epochs fed by ds:batches (uint8 images normalised per batch, shuffled) and epochs
-- over the same batches prepared beforehand, and prints the difference as a share of the epoch.
local epochs = tonumber(arg[1]) or 9
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
-- Epochs alternate between the two ways, and each pair is compared on its own: the machines
-- here are shared and their speed drifts over minutes, which a pair of adjacent epochs shares.
local ratios, with_batches, without = {}, {}, {}
for e = 1, epochs do
  local t0 = sys.clock()
  for x, y in train:batches(128, {shuffle = true, seed = e}) do step(x, y) end
  with_batches[e] = sys.clock() - t0
  t0 = sys.clock()
  for _, b in ipairs(prepared) do step(b[1], b[2]) end
  without[e] = sys.clock() - t0
  ratios[e] = with_batches[e] / without[e]
end
local function median(t)
  local s = {table.unpack(t)}
  table.sort(s)
  local n = #s
  return n % 2 == 1 and s[(n + 1) / 2] or (s[n / 2] + s[n / 2 + 1]) / 2
end
print(string.format("epoch with ds:batches %.3f s, with prepared batches %.3f s (medians of %d): batching adds %.1f%% (median of paired epochs)",
  median(with_batches), median(without), epochs, 100 * (median(ratios) - 1)))
