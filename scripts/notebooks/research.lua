-- %% [markdown]
-- # Learnability imbalance on Fashion-MNIST
--
-- The research figures, reproduced: Fashion-MNIST's ten classes are balanced, yet a network
-- learns some of them (shirts, pullovers, coats) much worse than others. Algorithm 1 trains
-- with plain cross-entropy, measures the per-class true-positive rates `s`, turns them into
-- class weights `w = W(s)` and retrains; the variance of the TPRs `Var(s)` should drop.
--
-- Small default size (MLP, 400 training images per class, 5 epochs): about a minute with a
-- release build. Make the report with
--
--     lwscript notebook scripts/notebooks/research.lua -o research.html
--
-- `scripts/learnability.lua` runs the full study (more methods, the CNN, several seeds and
-- the significance tests); see docs/experiment.md.

-- %% Data: a class-balanced subset, a validation split for s, a test subset
local train_all, test_all = data.fashion_mnist()
local pool, val_all = train_all:split(0.9, {seed = 1})
local norm = {mean = 0.2860, std = 0.3530}
train = pool:subset(400, {seed = 1}):normalize(norm)
val = val_all:subset(100, {seed = 1}):normalize(norm)
test = test_all:subset(500, {seed = 1}):normalize(norm)
classes = train.classes
print(train)
print(val)
print(test)

-- %% 1. Train with plain cross-entropy
function new_model(seed)
  tensor.seed(seed)
  return nn.Sequential(nn.Flatten(), nn.mlp{inputs = 784, hidden = {256, 128}, classes = 10})
end
base = new_model(1)
history = experiment.train(base, train, {epochs = 5, batch = 64, val = val, seed = 1})

-- %% 2. Per-class TPRs: the classes are not learned alike
s = experiment.evaluate(base, val).tpr             -- s comes from the validation split
before = experiment.evaluate(base, test)
print(string.format("test accuracy %.3f, Var(s) %.5f, lowest TPR %.2f (%s)", before.accuracy, before.var_tpr,
                    before.min_tpr, before.min_class_name))
for k = 1, 3 do print("  " .. before.confused[k].text) end
plot.bars{labels = classes, series = {{name = "plain cross-entropy", values = before.tpr}}, ylim = {0, 1},
          title = "Per-class TPR after training with plain cross-entropy (test)", ylabel = "TPR (recall)"}

-- %% The confusion matrix: which classes are taken for which
plot.heatmap{matrix = before.confusion, labels = classes, normalize = "row",
             title = "Confusion matrix, plain cross-entropy (rows = true class, share of the row)"}

-- %% Per-class TPR over the epochs
local series = {}
for c, name in ipairs(classes) do
  local values = {}
  for e = 1, #history.epoch do values[e] = history.val_tpr[e][c] end
  series[c] = {name = name, values = values}
end
plot.lines{x = history.epoch, series = series, title = "Per-class TPR over epochs (validation)",
           xlabel = "epoch", ylabel = "TPR"}

-- %% 3. Weights w = W(s): w_c = (1 - (s_c - mean s) / s_c)^2
w = weights.tpr_power(s, 2, {floor = 0.01})
plot.bars{labels = classes, series = {{name = "s (validation TPR)", values = s}, {name = "w = W(s)", values = w}},
          title = "TPRs and the weights they give", ylabel = "value"}

-- %% 4. Retrain with the TPR-weighted loss (same seed: same initialisation and batch order)
model = new_model(1)
experiment.train(model, train, {epochs = 5, batch = 64, val = val, seed = 1, weights = w, quiet = true})
after = experiment.evaluate(model, test)
print(string.format("accuracy %.3f -> %.3f", before.accuracy, after.accuracy))
print(string.format("Var(s) %.5f -> Var(s') %.5f: D = %+.5f", before.var_tpr, after.var_tpr,
                    metrics.D(before.tpr, after.tpr)))
print(string.format("lowest TPR %.2f (%s) -> %.2f (%s)", before.min_tpr, before.min_class_name, after.min_tpr,
                    after.min_class_name))

-- %% 5. The figure: per-class TPR before and after re-weighting
plot.bars{labels = classes, ylim = {0, 1}, ylabel = "TPR (recall)",
          series = {{name = "before (plain CE)", values = before.tpr}, {name = "after (TPR-weighted CE)", values = after.tpr}},
          title = "Per-class TPR before and after re-weighting (test)"}

-- %% The confusion matrix after re-weighting
plot.heatmap{matrix = after.confusion, labels = classes, normalize = "row",
             title = "Confusion matrix, TPR-weighted cross-entropy (rows = true class)"}
