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

-- Copies (ds:with_copies): more samples of a class, marked, so that batches can augment the
-- copies alone and leave the originals as they are.
function test.with_copies_adds_marked_copies_of_each_class()
  local ds = normalised_images()                          -- 4 images, classes 1 2 1 2
  local c = ds:with_copies({3, 1}, {seed = 1})
  T.eq(c:size(), 8, "4 + 3 + 1")
  F.same(c:counts(), {5, 3}, "counts include the copies")
  F.same(c:copies(), {3, 1}, "copies per class")
  F.same(ds:copies(), {0, 0}, "the original dataset is unchanged")
  T.eq(tostring(c), "Dataset(image 1x2x2, 8 samples (4 copies), 2 classes)")
  -- 5 copies of class 1's two samples (numbered rows): each copied twice before one thrice
  local rows = data.tensors(tensor.arange(1, 5):reshape(4, 1), tensor.new({1, 2, 1, 2})):with_copies({5, 0}, {seed = 3})
  local times = {}
  for i = 5, 9 do
    local v = rows:get(i)[1]
    times[v] = (times[v] or 0) + 1
  end
  T.eq(times[2] == nil and times[4] == nil, true, "only class 1 copied")
  T.eq(math.max(times[1], times[3]) - math.min(times[1], times[3]), 1, "copies spread evenly (3 and 2)")
  -- the batch's fourth value says which samples are copies
  local _, _, _, copies = c:batches(8)()
  F.same(copies:totable(), {0, 0, 0, 0, 1, 1, 1, 1}, "copies marked")
  T.eq(select(4, ds:batches(4)()), nil, "no marks without copies")
  -- a split keeps the marks of the samples it keeps
  local a, b = c:split(0.5, {seed = 2})
  T.eq(a:copies()[1] + b:copies()[1], 3, "marks kept across a split")
end

function test.augment_copies_changes_the_copies_alone()
  local ds = normalised_images()
  local c = ds:with_copies(2, {seed = 1})
  local plain = c:batches(8)()
  local ax, _, _, copies = c:batches(8, {augment_copies = augment.noise(0.3), seed = 4})()
  for i = 1, 8 do
    T.eq(tensor.equal(ax[i], plain[i]), copies[i] == 0, "sample " .. i .. (copies[i] == 1 and " (a copy) changed" or " unchanged"))
  end
  T.raises("option 'augment_copies': flip augments images", data.tensors(tensor.ones(2, 3), tensor.new({1, 2})):with_copies(1).batches,
           data.tensors(tensor.ones(2, 3), tensor.new({1, 2})):with_copies(1), 2, {augment_copies = augment.flip()})
end

function test.with_copies_rejects_bad_amounts()
  local ds = normalised_images()
  T.raises("amount for class 2 is -1; amounts must be >= 0", ds.with_copies, ds, {1, -1})
  T.raises("expected 2 amounts (one per class), got 3", ds.with_copies, ds, {1, 2, 3})
  local one = data.tensors(tensor.ones(2, 3), tensor.new({1, 1}), {classes = {"a", "b"}})
  T.raises("class 2 (b) has no samples to copy, and 1 copies were asked for", one.with_copies, one, {0, 1})
end

return test
