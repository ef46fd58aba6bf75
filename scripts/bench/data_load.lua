-- Data loading benchmark. Run a release build:
--   swift build -c release && .build/release/lwscript scripts/bench/data_load.lua [cifar-10-dir]
-- Targets (issue 5): full Fashion-MNIST (70,000 gzip images) under 1 s; CIFAR-10 (60,000)
-- under 2 s; batching under 5% of an MLP training epoch.
-- When the CIFAR-10 directory (default data/cifar-10-batches-bin) is absent, a synthetic
-- file set of the real size (6 x 10,000 records of 3,073 bytes) is written to a temporary
-- directory and removed afterwards.

local function best_of(n, fn)
  local best = math.huge
  local result
  for _ = 1, n do
    local t0 = sys.clock()
    result = {fn()}
    best = math.min(best, sys.clock() - t0)
  end
  return best, table.unpack(result)
end

local function report(what, seconds, target)
  print(string.format("%-46s %8.3f s%s", what, seconds,
    target and string.format("   (target < %.1f s: %s)", target, seconds < target and "ok" or "MISSED") or ""))
end

-- Fashion-MNIST, from the Debian package
local ok, train = pcall(data.fashion_mnist)
if ok then
  local t = best_of(3, function() return data.fashion_mnist() end)
  report("Fashion-MNIST load (70,000 images, gzip)", t, 1.0)
else
  print("Fashion-MNIST: skipped (" .. tostring(train) .. ")")
  train = nil
end

-- CIFAR-10, real or a synthetic file set of the real size
local dir = arg and arg[1] or "data/cifar-10-batches-bin"
local synthetic = false
local probe = io.open(dir .. "/test_batch.bin", "rb")
if probe then probe:close() else
  synthetic = true
  dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p '" .. dir .. "'"))
  local records = {}
  for i = 0, 99 do
    records[#records + 1] = string.char(i % 10) .. string.rep(string.char((i * 37) % 256), 3072)
  end
  local block = table.concat(records)   -- 100 records
  for _, name in ipairs({"data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"}) do
    local f = assert(io.open(dir .. "/" .. name .. ".bin", "wb"))
    for _ = 1, 100 do f:write(block) end
    f:close()
  end
end
local ct = best_of(3, function() return data.cifar10{dir = dir} end)
report(string.format("CIFAR-10 load (60,000 images%s)", synthetic and ", synthetic files" or ""), ct, 2.0)
local ctrain = data.cifar10{dir = dir}
if synthetic then os.execute("rm -rf '" .. dir .. "'") end

-- Batching cost per epoch (batch 128, shuffled), against the matrix products of one epoch of
-- a 784-256-10 MLP (forward, and backward ~ 2x forward), the bulk of its training time.
local function epoch_cost(ds, opts)
  return best_of(2, function()
    local n = 0
    for x in ds:batches(128, opts) do n = n + x:size(1) end
    return n
  end)
end
local function mlp_epoch(n, d)
  local w1, w2 = tensor.randn(d, 256), tensor.randn(256, 10)
  local x = tensor.randn(128, d)
  local t0 = sys.clock()
  for _ = 1, math.ceil(n / 128) do
    local h = x:matmul(w1)
    local o = h:matmul(w2)
    -- backward: dW2 = h^T dO, dH = dO W2^T, dW1 = x^T dH (computed for their cost only)
    local _ = h:t():matmul(o)
    local dh = o:matmul(w2:t())
    _ = x:t():matmul(dh)
  end
  return sys.clock() - t0
end

if train then
  local bt = epoch_cost(train, {shuffle = true, seed = 1})
  local mt = mlp_epoch(train:size(), 784)
  report("Fashion-MNIST batching, one epoch (469 x 128)", bt)
  report("  MLP 784-256-10 matmuls, one epoch", mt)
  -- the cost if batching did not overlap training at all; scripts/bench/batching.lua measures
  -- what it adds to a real training epoch (the < 5% goal)
  print(string.format("  batching alone is %.1f%% of (matmuls + batching), done one after the other", 100 * bt / (mt + bt)))
  local at = epoch_cost(train, {shuffle = true, seed = 1, augment = {augment.flip(0.5), augment.crop(2, 0.5)}})
  report("  with flip + crop augmentation", at)
  local st = epoch_cost(train, {sampler = sample.balanced(train, {seed = 1})})
  report("  with a weighted sampler", st)
end
local cb = epoch_cost(ctrain:normalize{mean = {0.49, 0.48, 0.45}, std = {0.25, 0.24, 0.26}}, {shuffle = true, seed = 1})
report("CIFAR-10 batching, one epoch (391 x 128, normalised)", cb)
