-- metrics: confusion matrices and per-class metrics against scikit-learn
-- (Tests/lua/metrics_reference_data.lua, made by scripts/reference/metrics.py).
local testing = require("testing")
local ref = require("metrics_reference_data")
local test = testing.suite("metrics")

-- three cases per reference case (ten_classes, absent_classes, perfect), in name order
local names = {}
for name in pairs(ref) do names[#names + 1] = name end
table.sort(names)

for _, name in ipairs(names) do
  local case = ref[name]

  test["confusion_matches_scikit_learn_" .. name] = function()
    local cm = metrics.confusion(case.predictions, case.targets, case.C)
    testing.same_table(cm:totable(), case.confusion, name .. " confusion")
    -- tensors of labels give the same matrix
    local cm2 = metrics.confusion(tensor.new(case.predictions), tensor.new(case.targets), case.C)
    testing.same_table(cm2:totable(), case.confusion, name .. " confusion from tensors")
  end

  test["report_matches_scikit_learn_" .. name] = function()
    local case_cm = metrics.confusion(case.predictions, case.targets, case.C)
    local r = metrics.report(case_cm)
    testing.same_table(r.tpr, case.tpr, name .. " tpr", 1e-12)
    testing.same_table(metrics.tpr(case_cm), case.tpr, name .. " metrics.tpr", 1e-12)
    testing.same_table(r.precision, case.precision, name .. " precision", 1e-12)
    testing.same_table(r.f1, case.f1, name .. " f1", 1e-12)
    testing.near(r.accuracy, case.accuracy, 1e-12, name .. " accuracy")
    testing.near(r.balanced_accuracy, case.balanced_accuracy, 1e-12, name .. " balanced accuracy")
    testing.near(metrics.accuracy(case.predictions, case.targets), case.accuracy, 1e-12, name .. " metrics.accuracy")
    testing.near(r.var_tpr, metrics.variance(case.tpr), 1e-15, name .. " var_tpr")
  end

  -- batch-by-batch accumulation gives the same matrix as one call
  test["confusion_add_in_two_batches_" .. name] = function()
    local acc = tensor.zeros(case.C, case.C)
    local half = #case.targets // 2
    local p1, t1, p2, t2 = {}, {}, {}, {}
    for i = 1, #case.targets do
      if i <= half then p1[#p1 + 1] = case.predictions[i]; t1[#t1 + 1] = case.targets[i]
      else p2[#p2 + 1] = case.predictions[i]; t2[#t2 + 1] = case.targets[i] end
    end
    testing.eq(metrics.confusion_add(acc, p1, t1), acc, "confusion_add returns cm")
    metrics.confusion_add(acc, tensor.new(p2), tensor.new(t2))
    testing.same_table(acc:totable(), case.confusion, name .. " confusion_add")
  end
end

function test.confusion_add_also_returns_the_number_correct()
  local _, right = metrics.confusion_add(tensor.zeros(3, 3), {1, 2, 3, 2}, {1, 3, 3, 2})
  testing.eq(right, 3, "confusion_add also returns the number of correct predictions")
end

-- the report's fields on a small known matrix: 3 classes, class 2 often taken for class 3
local cm = tensor.new({{8, 1, 1}, {0, 6, 4}, {0, 2, 8}})

function test.report_rates_support_and_variance_on_a_known_matrix()
  local r = metrics.report(cm, {classes = {"cat", "dog", "fox"}})
  testing.same_table(r.tpr, {0.8, 0.6, 0.8}, "tpr", 1e-15)
  testing.same_table(r.support, {10, 10, 10}, "support")
  testing.same_table(r.predicted, {8, 9, 13}, "predicted")
  testing.eq(math.type(r.support[1]), "integer", "support are integers")
  testing.near(r.accuracy, 22 / 30, 1e-15, "accuracy")
  testing.near(r.var_tpr, ((0.8 - 11/15)^2 * 2 + (0.6 - 11/15)^2) / 3, 1e-15, "var_tpr")
  testing.eq(r.min_class, 2, "min_class")
  testing.near(r.min_tpr, 0.6, 1e-15, "min_tpr")
  testing.eq(r.min_class_name, "dog", "min_class_name")
end

function test.report_most_confused_pairs()
  local r = metrics.report(cm, {classes = {"cat", "dog", "fox"}})
  testing.eq(#r.confused, 4, "confused pairs with count > 0")
  testing.eq(r.confused[1].text, "dog -> fox 40%", "most confused pair")
  testing.eq(r.confused[1].true_class, 2, "true_class")
  testing.eq(r.confused[1].predicted, 3, "predicted class")
  testing.eq(r.confused[1].count, 4, "count")
  testing.near(r.confused[1].rate, 0.4, 1e-15, "rate")
  testing.eq(r.confused[2].text, "fox -> dog 20%", "second pair")
  testing.eq(r.confused[3].text, "cat -> dog 10%", "ties by rate go in class order")
  testing.eq(#metrics.report(cm, {top = 2}).confused, 2, "top")
  testing.eq(metrics.report(cm).confused[1].text, "2 -> 3 40%", "default names are class indices")
end

-- nested arrays work as a matrix, and scores [N, C] as predictions (argmax per row)
function test.nested_arrays_and_score_rows()
  testing.same_table(metrics.report({{8, 1, 1}, {0, 6, 4}, {0, 2, 8}}).tpr, {0.8, 0.6, 0.8}, "nested array", 1e-15)
  local scores = tensor.new({{0.1, 2, 0.3}, {5, 1, 1}, {0, 0, 1}})
  testing.same_table(metrics.confusion(scores, {2, 1, 2}, 3):totable(), {{1, 0, 0}, {0, 1, 1}, {0, 0, 0}}, "scores")
end

-- variance and D
function test.variance_and_D()
  testing.near(metrics.variance({0.5, 0.7, 0.9}), 0.08 / 3, 1e-15, "population variance")
  testing.near(metrics.variance(tensor.new({1, 3})), 1, 1e-7, "variance of a tensor")
  testing.eq(metrics.variance({0.4}), 0, "one class")
  testing.near(metrics.D({0.5, 0.7, 0.9}, {0.7, 0.7, 0.7}), 0.08 / 3, 1e-15, "D")
  testing.near(metrics.D({0.7, 0.7}, {0.5, 0.9}), -0.04, 1e-15, "D negative when TPRs spread")
end

-- errors name the function and say what is wrong
function test.confusion_rejects_bad_labels()
  testing.raises("metrics.confusion: predictions[2] is 4, expected a class index in 1..3", metrics.confusion, {1, 4}, {1, 2}, 3)
  testing.raises("targets[1] is 0, expected a class index in 1..3", metrics.confusion, {1}, {0}, 3)
  testing.raises("predictions[1] is 1.5", metrics.confusion, {1.5}, {1}, 3)
  testing.raises("predictions[1] is NaN", metrics.confusion, {0/0}, {1}, 3)
  testing.raises("differ in length (2 and 1)", metrics.confusion, {1, 2}, {1}, 3)
  testing.raises("bad argument #3 to 'metrics.confusion'", metrics.confusion, {1}, {1}, 0)
  testing.raises("bad argument #1 to 'metrics.confusion'", metrics.confusion, "x", {1}, 2)
end

function test.confusion_add_rejects_bad_input()
  testing.raises("bad argument #1 to 'metrics.confusion_add' (expected a confusion matrix of size CxC",
                 metrics.confusion_add, tensor.zeros(2, 3), {1}, {1})
  testing.raises("metrics.confusion_add: targets[1] is 3", metrics.confusion_add, tensor.zeros(2, 2), {1}, {3})
  -- a tensor that autograd tracks is not changed in place
  local tracked = tensor.zeros(2, 2):requires_grad()
  testing.raises("in-place change of a tensor that requires grad", metrics.confusion_add, tracked, {1}, {1})
end

function test.report_rejects_bad_matrices_and_options()
  testing.raises("metrics.report: the confusion matrix is empty", metrics.report, tensor.zeros(3, 3))
  testing.raises("is -1, expected a finite number >= 0", metrics.report, {{1, -1}, {0, 1}})
  testing.raises("has 1 values, expected 2", metrics.report, {{1, 2}, {1}})
  testing.raises("unknown option 'clases'", metrics.report, cm, {clases = {"a", "b", "c"}})
  testing.raises("option 'classes' has 2 names for 3 classes", metrics.report, cm, {classes = {"a", "b"}})
  testing.raises("option 'top' must be >= 0", metrics.report, cm, {top = -1})
end

function test.variance_D_and_accuracy_reject_bad_input()
  testing.raises("bad argument #1 to 'metrics.variance' (s must not be empty)", metrics.variance, {})
  testing.raises("s[2] is NaN", metrics.variance, {1, 0/0})
  testing.raises("element [2] must be a number, got string", metrics.variance, {1, "x"})
  testing.raises("bad argument #2 to 'metrics.D' (s2[1] is inf", metrics.D, {1}, {math.huge})
  testing.raises("differ in length (2 and 3 classes)", metrics.D, {1, 2}, {1, 2, 3})
  testing.raises("metrics.accuracy: predictions and targets are empty", metrics.accuracy, {}, {})
  testing.raises("differ in length", metrics.accuracy, {1}, {1, 2})
end

return test
