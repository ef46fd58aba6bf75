-- Per-layer cost of the residual CNN's convolutions (forward and backward), in GFLOP/s,
-- next to the sgemm rate on the same machine:
--   .build/release/lwscript scripts/bench/conv_layers.lua [batch]
sys.threads(2)
local batch = tonumber(arg[1]) or 128
local function timed(f, reps)
  f()
  local t0 = sys.clock()
  for _ = 1, reps do f() end
  return (sys.clock() - t0) / reps
end

local n = 1024
local a, b = tensor.randn(n, n), tensor.randn(n, n)
local gemm = 2 * n ^ 3 / timed(function() return a:matmul(b) end, 10) / 1e9
print(string.format("sgemm %dx%dx%d: %.1f GFLOP/s", n, n, n, gemm))

local shapes = {{1, 32, 28}, {32, 32, 28}, {32, 64, 14}, {64, 64, 14}, {64, 128, 7}}
local total_flop, total_time = 0, 0
for _, s in ipairs(shapes) do
  local cin, cout, hw = s[1], s[2], s[3]
  local conv = nn.Conv2d(cin, cout, 3, {padding = 1})
  local x = tensor.randn(batch, cin, hw, hw):requires_grad()
  local flop = 2 * batch * cout * hw * hw * cin * 9
  local fwd = timed(function() return conv(x) end, 5)
  local y = conv(x)
  local g = tensor.randn(y:shape())
  local bwd = timed(function()
    local out = conv(x)
    out:backward(g)
  end, 5) - fwd
  total_flop = total_flop + 3 * flop
  total_time = total_time + fwd + bwd
  print(string.format("conv %3d->%3d @%2dx%-2d  forward %6.1f ms %5.1f GFLOP/s   backward %6.1f ms %5.1f GFLOP/s",
    cin, cout, hw, hw, fwd * 1e3, flop / fwd / 1e9, bwd * 1e3, 2 * flop / bwd / 1e9))
end
print(string.format("all convolutions: %.1f GFLOP/s = %.0f%% of sgemm", total_flop / total_time / 1e9,
  100 * total_flop / total_time / 1e9 / gemm))
