-- Image augmentation with per-class probabilities, alone and inside ds:batches.
local T = require("testing")
local F = require("datafiles")
local test = T.suite("data_augment")

-- two 1x2x3 images: values 1..6 (class 1) and 7..12 (class 2)
local x = tensor.arange(1, 13):reshape(2, 1, 2, 3)
local y = tensor.new({1, 2})

-- flip: mirrored rows; probability per class
function test.flip_mirrors_rows_with_a_probability_per_class()
  local f = augment.apply(x, y, {augment.flip(1)})
  F.same(f[1][1]:totable(), {{3, 2, 1}, {6, 5, 4}}, "flipped")
  F.same(x[1][1]:totable(), {{1, 2, 3}, {4, 5, 6}}, "apply returns a copy")
  local only2 = augment.apply(x, y, {augment.flip({0, 1})})
  F.same(only2[1][1]:totable(), {{1, 2, 3}, {4, 5, 6}}, "class 1 has probability 0")
  F.same(only2[2][1]:totable(), {{9, 8, 7}, {12, 11, 10}}, "class 2 has probability 1")
end

-- crop with padding: a shift of at most `padding` pixels with zeros coming in
function test.crop_shifts_by_at_most_the_padding()
  local big = tensor.arange(1, 17):reshape(1, 1, 4, 4)
  local shifted = 0
  for seed = 1, 20 do
    local c = augment.apply(big, tensor.new({1}), {augment.crop(1)}, {seed = seed})[1][1]
    local same = tensor.equal(c, big[1][1])
    if not same then shifted = shifted + 1 end
    -- every nonzero value keeps its neighbours' order: find the shift from where 6 went
    local found = false
    for r = 1, 4 do for q = 1, 4 do
      if c[r][q] == 6 then
        found = true
        T.eq(math.abs(r - 2) <= 1 and math.abs(q - 2) <= 1, true, "moved by at most 1")
        local dr, dq = r - 2, q - 2
        for rr = 1, 4 do for qq = 1, 4 do
          local sr, sq = rr - dr, qq - dq
          local want = (sr >= 1 and sr <= 4 and sq >= 1 and sq <= 4) and (sr - 1) * 4 + sq or 0
          T.eq(c[rr][qq], want, "shifted image")
        end end
      end
    end end
    T.eq(found, true, "pixel 6 stays within a shift of 1")
  end
  T.eq(shifted > 10, true, "most crops shift")
end

-- noise: mean ~0, std as asked, seeded
local z = tensor.zeros(4, 3, 16, 16)
local zy = tensor.new({1, 1, 2, 2})

function test.noise_has_the_asked_std_and_is_seeded()
  local noisy = augment.apply(z, zy, {augment.noise(0.1)}, {seed = 4})
  T.near(noisy:mean(), 0, 0.01)
  T.near(noisy:std(), 0.1, 0.01)
  T.eq(tensor.equal(noisy, augment.apply(z, zy, {augment.noise(0.1)}, {seed = 4})), true, "seeded")
end

function test.noise_with_a_probability_per_class()
  local half = augment.apply(z, zy, {augment.noise(0.1, {0, 1})}, {seed = 4})
  T.eq(half:narrow(1, 1, 2):abs():max():item(), 0, "class 1 untouched")
  T.eq(half:narrow(1, 3, 2):abs():max():item() > 0, true, "class 2 noisy")
end

function test.tostring()
  T.eq(tostring(augment.crop(4, 0.5)), "augment.crop(padding = 4, p = {0.5})")
end

-- inside batches: augmentation happens on [0, 1] images before per-channel normalisation,
-- and does not change which samples come in which order.
local function normalised_images()
  local dir = F.tmpdir()
  F.idx(dir .. "/img", {4, 2, 2}, {0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255})
  F.idx(dir .. "/lab", {4}, {0, 1, 0, 1})
  local ds = data.idx(dir .. "/img", dir .. "/lab"):normalize{mean = 0.5, std = 0.5}
  return ds, ds:batches(4)()
end

function test.batches_augment_before_normalising()
  local ds, plain = normalised_images()
  F.same(plain[1][1]:totable(), {{-1, -1}, {1, 1}}, "normalised")
  local bx = ds:batches(4, {augment = {augment.flip(1), augment.crop(0)}})()
  F.same(bx:totable(), plain:totable(), "horizontal flip of a horizontally symmetric image")
end

function test.batches_augmentation_leaves_the_order_alone()
  local ds = normalised_images()
  local ny = select(2, ds:batches(4, {shuffle = true, seed = 3})())
  local ay = select(2, ds:batches(4, {shuffle = true, seed = 3, augment = augment.noise(1)})())
  F.same(ay:totable(), ny:totable(), "augmentation leaves the order alone")
end

function test.batches_augment_with_a_probability_per_class()
  local ds, plain = normalised_images()
  local ax = ds:batches(4, {augment = augment.noise(0.2, {1, 0}), seed = 1})()
  F.same(ax[2]:totable(), plain[2]:totable(), "class 2 has probability 0")
  T.eq(tensor.equal(ax[1], plain[1]), false, "class 1 augmented")
end

function test.rejects_bad_augmentations()
  local ds = normalised_images()
  T.raises("expected one probability or one per class (2), got 3", ds.batches, ds, 2, {augment = augment.flip({1, 1, 1})})
  local feats = data.tensors(tensor.ones(2, 3), tensor.new({1, 2}))
  T.raises("flip augments images [B, C, H, W], got size 1x3", feats.batches, feats, 2, {augment = augment.flip()})
  T.raises("augmentation 2 must be an Augmentation", ds.batches, ds, 2, {augment = {augment.flip(), 5}})
  T.raises("probabilities must be between 0 and 1, got 2", augment.flip, 2)
  T.raises("padding must be between 0 and 1024, got -1", augment.crop, -1)
end

return test
