-- What batching adds to a training epoch of the MLP on Fashion-MNIST (release build):
--   .build/release/lwscript scripts/bench/batching.lua [epochs]
-- Trains on batches from ds:batches (uint8 images normalised per batch, shuffled) and on the
-- same kind of batches prepared beforehand, and prints the difference as a share of the time.
-- The machines here are shared and their speed drifts within seconds, so the two ways
-- alternate every `chunk` batches and each adjacent pair of chunks is compared on its own;
-- the time spent inside the iterator (gathering, or waiting for the background queue) is
-- reported too.
local epochs = tonumber(arg[1]) or 5
local chunk = 20
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
for x, y in train:batches(128, {shuffle = true, seed = 0}) do prepared[#prepared + 1] = {x, y} end

local ratios, fed_total, prepared_total, inside = {}, 0, 0, 0
local p = 0
for e = 1, epochs do
  local it = train:batches(128, {shuffle = true, seed = e})
  local finished = false
  while not finished do
    local t0, n = sys.clock(), 0
    while n < chunk do
      local t = sys.clock()
      local x, y = it()
      inside = inside + sys.clock() - t
      if not x then finished = true; break end
      step(x, y)
      n = n + 1
    end
    if n == 0 then break end
    local fed = sys.clock() - t0
    t0 = sys.clock()
    for _ = 1, n do
      p = p % #prepared + 1
      step(prepared[p][1], prepared[p][2])
    end
    local ready = sys.clock() - t0
    if n == chunk then ratios[#ratios + 1] = fed / ready end
    fed_total, prepared_total = fed_total + fed, prepared_total + ready
  end
end
table.sort(ratios)
local median = #ratios % 2 == 1 and ratios[(#ratios + 1) // 2] or (ratios[#ratios // 2] + ratios[#ratios // 2 + 1]) / 2
print(string.format("%d epochs: fed by ds:batches %.3f s/epoch (%.1f ms/epoch inside the iterator), prepared batches %.3f s/epoch",
  epochs, fed_total / epochs, 1000 * inside / epochs, prepared_total / epochs))
print(string.format("batching adds %.1f%% (median over %d paired chunks of %d batches; totals: %.1f%%)",
  100 * (median - 1), #ratios, chunk, 100 * (fed_total / prepared_total - 1)))
