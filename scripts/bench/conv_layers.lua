-- Per-layer cost of the residual CNN's convolutions (forward and backward), in GFLOP/s,
-- next to the sgemm rate on the same machine:
--   .build/release/lwscript scripts/bench/conv_layers.lua [batch] [rounds]
-- The machines here are shared and their speed drifts, so sgemm and the convolutions are
-- measured in alternation, `rounds` times, and the share is the median of the rounds' shares.
sys.threads(2)
local batch = tonumber(arg[1]) or 128
local rounds = tonumber(arg[2]) or 5
local function timed(f, reps)
  f()
  local t0 = sys.clock()
  for _ = 1, reps do f() end
  return (sys.clock() - t0) / reps
end

local n = 1024
local a, b = tensor.randn(n, n), tensor.randn(n, n)
local function sgemm_rate() return 2 * n ^ 3 / timed(function() return a:matmul(b) end, 10) / 1e9 end

local layers = {}
for _, s in ipairs({{1, 32, 28}, {32, 32, 28}, {32, 64, 14}, {64, 64, 14}, {64, 128, 7}}) do
  local cin, cout, hw = s[1], s[2], s[3]
  local conv = nn.Conv2d(cin, cout, 3, {padding = 1})
  local x = tensor.randn(batch, cin, hw, hw):requires_grad()
  local g = tensor.randn(conv(x):shape())
  layers[#layers + 1] = {cin = cin, cout = cout, hw = hw, conv = conv, x = x, g = g,
                         flop = 2 * batch * cout * hw * hw * cin * 9}
end

-- forward seconds, and forward + backward seconds, of one layer
local function measure(l)
  local fwd = timed(function() return l.conv(l.x) end, 5)
  local both = timed(function() l.conv(l.x):backward(l.g) end, 5)
  return fwd, both - fwd
end

local shares, rates = {}, {}
for r = 1, rounds do
  local gemm = sgemm_rate()
  local total_flop, total_time = 0, 0
  for _, l in ipairs(layers) do
    local fwd, bwd = measure(l)
    total_flop = total_flop + 3 * l.flop
    total_time = total_time + fwd + bwd
    if r == rounds then
      print(string.format("conv %3d->%3d @%2dx%-2d  forward %6.1f ms %5.1f GFLOP/s   backward %6.1f ms %5.1f GFLOP/s",
        l.cin, l.cout, l.hw, l.hw, fwd * 1e3, l.flop / fwd / 1e9, bwd * 1e3, 2 * l.flop / bwd / 1e9))
    end
  end
  local rate = total_flop / total_time / 1e9
  shares[r], rates[r] = rate / gemm, string.format("%.0f/%.0f", rate, gemm)
end
local sorted = {table.unpack(shares)}
table.sort(sorted)
print(string.format("all convolutions: %.0f%% of sgemm's GFLOP/s (median of %d rounds; convolutions/sgemm GFLOP/s: %s)",
  100 * sorted[(rounds + 1) // 2], rounds, table.concat(rates, ", ")))
