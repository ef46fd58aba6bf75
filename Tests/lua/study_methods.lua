-- The built-in methods of a study (lwscript/experiment/methods.lua) do what their names say:
-- augmented copies instead of transformed originals, SMOTE samples by TPR, threshold CE,
-- online re-weighting with clamped weights, each with its control; a method's own training
-- set; a training subset drawn per seed.
local T = require("testing")
local F = require("datafiles")
local test = T.suite("study_methods")

local methods_lib = require("lwscript.experiment.methods")

-- Three well separated classes of 2-feature samples, 30 each.
local function blobs(seed)
  tensor.seed(seed or 3)
  local x, y = tensor.randn(90, 2), tensor.zeros(90)
  for i = 1, 90 do local c = (i - 1) % 3 + 1; y[i] = c; x[i][1] = x[i][1] + 3 * c end
  return data.tensors(x, y, {classes = {"a", "b", "c"}})
end

-- A context as the study gives it, for a set and weights w.
local function context(set, w)
  return {s = {0.9, 0.8, 0.5}, w = w, W = function(s) return weights.tpr_power(s, 1) end, seed = 7, train = set,
          classes = set.classes, C = #set.classes, permute = methods_lib.permuter(methods_lib.derangement(#set.classes, 1))}
end

function test.augmentation_adds_copies_of_the_hard_classes()
  local set = blobs()
  local m = experiment.methods.tpr_augmentation()
  -- w = {1, 2, 4}: rates 0.25, 0.5, 1 of 30 samples each
  local o = m.options(context(set, {1, 2, 4}))
  T.same_table(o.train_set:copies(), {8, 15, 30}, "round(r_c n_c) copies (0.25 * 30 = 7.5 rounds to 8)")
  T.same_table(o.train_set:counts(), {38, 45, 60}, "the originals are all kept")
  T.eq(type(o.transform), "function", "features: noise on the copies")
  -- the control: as many copies (about), every class at the mean rate 7/12
  local c = m.control(context(set, {1, 2, 4}))
  T.same_table(c.train_set:copies(), {18, 18, 18}, "evenly spread")
  -- the copies alone get noise
  local x, y, _, copies = o.train_set:batches(200)()
  local tx = o.transform(x, y, 1, copies)
  for i = 1, y:size(1) do
    T.eq(tensor.equal(tx[i], x[i]), copies[i] == 0, "sample " .. i)
  end
end

function test.image_augmentation_leaves_the_originals_as_they_are()
  local dir = F.tmpdir()
  local pixels = {}
  for i = 1, 6 * 9 do pixels[i] = (i * 37) % 256 end
  F.idx(dir .. "/img", {6, 3, 3}, pixels)
  F.idx(dir .. "/lab", {6}, {0, 1, 2, 0, 1, 2})
  local set = data.idx(dir .. "/img", dir .. "/lab")
  local o = experiment.methods.tpr_augmentation{padding = 1}.options(context(set, {0, 0, 1}))
  T.same_table(o.train_set:copies(), {0, 0, 2}, "copies of the hardest class")
  local plain = o.train_set:batches(8)()
  local ax, _, _, copies = o.train_set:batches(8, {augment_copies = o.augment_copies, seed = 5})()
  for i = 1, 6 do T.eq(tensor.equal(ax[i], plain[i]), true, "original " .. i .. " untouched") end
  T.eq(copies[7] + copies[8], 2, "the last two are copies")
end

function test.smote_tpr_adds_samples_by_tpr_and_needs_features()
  local set = blobs()
  local o = experiment.methods.smote_tpr{k = 3}.options(context(set, {1, 2, 4}))
  T.same_table(o.train_set:counts(), {38, 45, 60}, "round(r_c n_c) SMOTE samples")
  local c = experiment.methods.smote_tpr().control(context(set, {1, 2, 4}))
  T.same_table(c.train_set:counts(), {48, 48, 48}, "the control: the mean rate for all")
  local dir = F.tmpdir()
  F.idx(dir .. "/img", {3, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
  F.idx(dir .. "/lab", {3}, {0, 1, 2})
  local images = data.idx(dir .. "/img", dir .. "/lab")
  T.raises("experiment.learnability: method 'smote_tpr' works on features datasets; the training set holds images",
    function()
      experiment.learnability{data = {train = images, test = images}, s_from_test = true, quiet = true, seeds = {1},
        model = function() return nn.mlp{inputs = 4, classes = 3} end, methods = {"smote_tpr"}}
    end)
end

function test.methods_all_lists_every_builtin_the_data_allows()
  T.same_table(methods_lib.listed("all", "features"), {"tpr_weighted_ce", "focal", "class_balanced_tpr", "tpr_oversampling",
    "tpr_augmentation", "smote_tpr", "threshold_ce", "online_weighted_ce"}, "features: all eight")
  T.same_table(methods_lib.listed("all", "image"), {"tpr_weighted_ce", "focal", "class_balanced_tpr", "tpr_oversampling",
    "tpr_augmentation", "threshold_ce", "online_weighted_ce"}, "images: no SMOTE")
  T.same_table(methods_lib.listed(nil, "image"), methods_lib.DEFAULT, "nil: the default five")
  local set = blobs()
  local study = experiment.learnability{data = {train = set, test = set}, s_from_test = true, quiet = true, seeds = {1},
    epochs = 1, model = function() return nn.mlp{inputs = 2, classes = 3} end, methods = "all", plots = false}
  T.eq(#study.methods, 8, "a study with methods = \"all\" runs the eight on features")
  T.raises("bad argument #1 to 'experiment.learnability' (option 'methods' must be \"all\"", function()
    experiment.learnability{data = {train = set, test = set}, quiet = true, seeds = {1},
      model = function() return nn.mlp{inputs = 2, classes = 3} end, methods = "every"}
  end)
end

-- A study resumed with another configuration refuses the cells in its directory and says
-- which settings differ (before, only that some did).
function test.a_resumed_study_with_other_settings_names_them()
  local set = blobs()
  local dir = T.tmpdir()
  local function study(epochs, threads)
    return experiment.learnability{data = {train = set, test = set}, s_from_test = true, quiet = true, seeds = {1},
      epochs = epochs, threads = threads, out = dir, resume = true, plots = false, methods = {"tpr_weighted_ce"},
      model = function(seed) tensor.seed(seed); return nn.mlp{inputs = 2, classes = 3} end}
  end
  study(1, 1)
  T.raises("plan.lua was made by a study with another configuration (epochs 1 there, 2 here; threads 1 there, 2 here); "
           .. "give the study another 'out' directory", function() study(2, 2) end)
end

function test.online_weights_follow_each_epoch_clamped_and_permuted_in_the_control()
  local m = experiment.methods.online_weighted_ce{clamp = {0.5, 2}}
  local ctx = context(blobs(), {1, 1, 1})
  local f = m.options(ctx).weights
  T.eq(f(nil, 1), nil, "epoch 1: unweighted")
  local w = f({tpr = {0.99, 0.9, 0.05}}, 2)
  T.same_table(w, weights.clamp(weights.normalize(ctx.W({0.99, 0.9, 0.05}), "mean_one"), 0.5, 2), "W of the latest TPRs")
  T.eq(w[3], 2, "clamped at 2")
  T.same_table(m.control(ctx).weights({tpr = {0.99, 0.9, 0.05}}, 2), ctx.permute(w), "the control: given to other classes")
  T.raises("option 'clamp' must be {lo, hi} with lo <= hi", experiment.methods.online_weighted_ce, {clamp = {2, 1}})
end

-- A study with the new methods and their controls: each trains on the set it made, the
-- online method's weights change per epoch, threshold CE has no control; a training subset
-- is drawn per seed.
function test.a_study_runs_the_new_methods_on_their_own_training_sets()
  local set = blobs(4)
  local train, test_set = set:split(0.7, {seed = 1})
  local dir = T.tmpdir()
  local study = experiment.learnability{data = {train = train, test = test_set}, s_from_test = true, seeds = {1, 2}, epochs = 2,
    quiet = true, controls = true, train_subset = 15, out = dir, plots = false,
    model = function(seed) tensor.seed(seed); return nn.mlp{inputs = 2, hidden = {4}, classes = 3} end,
    methods = {"tpr_augmentation", "smote_tpr", "threshold_ce", "online_weighted_ce"}}
  T.same_table(study.methods, {"tpr_augmentation", "tpr_augmentation (control)", "smote_tpr", "smote_tpr (control)", "threshold_ce",
                               "online_weighted_ce", "online_weighted_ce (control)"}, "runs")
  T.eq(study.contexts[1].train:size(), 45, "15 per class")
  T.eq(tensor.equal(study.contexts[1].train:tensors(), study.contexts[2].train:tensors()), false, "another draw per seed")
  T.eq(study.config.train_subset, 15, "recorded")
  local f = assert(io.open(dir .. "/runs/seed1-smote_tpr/config.json"))
  local cfg = f:read("a")
  f:close()
  local n = tonumber(cfg:match('"train_set": "Dataset%(features 2, (%d+) samples, 3 classes%)"'))
  T.eq(n ~= nil and n > 45, true, "the run names its own training set: the subset and its SMOTE samples")
  T.eq(io.open(dir .. "/runs/seed1-smote_tpr/predictions.csv") ~= nil, true, "per-sample predictions")
  -- what made the numbers: every run (2 baselines, 14 methods and controls) by this host,
  -- with these threads and (LWSCRIPT_COMMIT unset here) no commit
  local made = experiment.read_json(dir .. "/config.json").cells_made
  T.eq(made.hosts[sys.hostname()], 16, "runs made on this host")
  T.eq(made.threads[tostring(sys.threads())], 16, "with these threads")
  T.eq(made.commits["not recorded"], 16, "no commit in the environment")
  T.eq(#study.runs.online_weighted_ce[1].history.weights[1], 0, "online: epoch 1 unweighted")
  T.eq(#study.runs.online_weighted_ce[1].history.weights[2], 3, "online: epoch 2 weighted")
  T.raises("option 'train_subset': ", function()
    experiment.learnability{data = {train = train, test = test_set}, s_from_test = true, seeds = {1}, quiet = true, train_subset = 1000,
      model = function() return nn.mlp{inputs = 2, classes = 3} end, methods = {"threshold_ce"}}
  end)
end

return test
