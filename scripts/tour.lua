-- A short tour of lwscript's tensors: run with
--   swift run -c release lwscript scripts/tour.lua
tensor.seed(1)

local x = tensor.new({{1, 2, 3}, {4, 5, 6}})
print("x =") print(x)
print("x:t() @ x =") print(x:t():matmul(x))
print("column means:", table.concat(x:mean(1):totable(), ", "))

-- per-class true-positive rates as a plain Lua array, and their variance
local s = {0.92, 0.81, 0.64, 0.88}
local st = tensor.new(s)
print(string.format("mean TPR %.3f, Var(s) (1/C) %.5f", st:mean():item(), st:var(false):item()))

-- a research weight formula, written in Lua on the fly: w_c = (1 - (s_c - mean)/s_c)^gamma
local gamma = 2
local w = (1 - (st - st:mean()) / st) ^ gamma
print("weights:", table.concat(w:totable(), ", "))

-- seeded randomness: same seed, same numbers
tensor.seed(7); local a = tensor.randn(3)
tensor.seed(7); local b = tensor.randn(3)
print("reproducible:", tensor.equal(a, b))

-- big products go to OpenBLAS
local n = 512
local m1, m2 = tensor.randn(n, n), tensor.randn(n, n)
m1:matmul(m2)  -- warm up
local t0 = sys.clock()
local reps = 20
for _ = 1, reps do m1:matmul(m2) end
local secs = (sys.clock() - t0) / reps
print(string.format("%dx%d matmul: %.1f GFLOP/s on %d cores", n, n, 2 * n ^ 3 / secs / 1e9, sys.threads()))
