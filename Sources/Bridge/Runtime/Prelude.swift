/// Lua code run in every new state after the built-in modules: helpers that are clearer in
/// Lua than in Swift. Kept small; anything hot lives in Swift.
enum Prelude {
    static let source = #"""
local registry = debug.getregistry()

-- How the REPL and notebooks show values: tensors as Torch prints them, tables as
-- {1, 2, 3} or {a = 1, b = {...}} (sorted keys, bounded depth and length), the rest
-- with tostring.
local show_value
local function is_identifier(s)
  return type(s) == "string" and s:match("^[%a_][%w_]*$") ~= nil
end
local function show_table(t, depth, seen)
  if seen[t] then return "<cycle>" end
  if depth > 3 then return "{...}" end
  seen[t] = true
  local parts, n = {}, #t
  local limit = 50
  for i = 1, math.min(n, limit) do
    parts[#parts + 1] = show_value(t[i], depth + 1, seen, true)
  end
  if n > limit then parts[#parts + 1] = "... (" .. n .. " items)" end
  local keys = {}
  for k in pairs(t) do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
  end
  table.sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta < tb end
    if ta == "number" or ta == "string" then return a < b end
    return tostring(a) < tostring(b)
  end)
  for i, k in ipairs(keys) do
    if i > limit then parts[#parts + 1] = "..."; break end
    local key = is_identifier(k) and k or ("[" .. show_value(k, depth + 1, seen, true) .. "]")
    parts[#parts + 1] = key .. " = " .. show_value(t[k], depth + 1, seen, true)
  end
  seen[t] = nil
  return "{" .. table.concat(parts, ", ") .. "}"
end
show_value = function(v, depth, seen, nested)
  local tv = type(v)
  if tv == "string" then return nested and string.format("%q", v) or v end
  if tv == "number" then
    if math.type(v) == "float" and v == math.floor(v) and math.abs(v) < 1e15 then
      return string.format("%.1f", v)
    end
    return tostring(v)
  end
  if tv == "table" and getmetatable(v) == nil then return show_table(v, depth or 0, seen or {}) end
  if nested and tensor.is_tensor(v) then
    return "Tensor(" .. table.concat(v:shape(), "x") .. ")"
  end
  return tostring(v)
end
-- tensor.no_grad(f, ...): runs f without recording gradients, restoring the mode even when
-- f raises (the error is re-raised unchanged).
function tensor.no_grad(f, ...)
  if type(f) ~= "function" then
    error("bad argument #1 to 'tensor.no_grad' (expected a function, got " .. type(f) .. ")", 2)
  end
  local previous = tensor.set_grad_enabled(false)
  local results = table.pack(pcall(f, ...))
  tensor.set_grad_enabled(previous)
  if not results[1] then error(results[2], 0) end
  return table.unpack(results, 2, results.n)
end

-- tensor.gradcheck(f, inputs, {eps=, atol=, rtol=, seed=}): compares the gradients that
-- backward computes for f(inputs...) with central finite differences, through a random
-- projection of the output (so f may return any shape). Returns ok, max_error, details.
-- Float32 arithmetic limits the precision: the defaults (eps 1e-2, atol 1e-2, rtol 1e-2)
-- suit functions whose values are of order 1.
function tensor.gradcheck(f, inputs, opts)
  opts = opts or {}
  local eps, atol, rtol = opts.eps or 1e-2, opts.atol or 1e-2, opts.rtol or 1e-2
  local previous_seed = tensor.seed()
  tensor.seed(opts.seed or 12345)
  local leaves = {}
  for i, x in ipairs(inputs) do leaves[i] = x:detach():clone():requires_grad() end
  local out = f(table.unpack(leaves))
  local projection = tensor.randn(out:shape())
  tensor.seed(previous_seed)
  local function objective(xs)
    return tensor.no_grad(function() return (f(table.unpack(xs)) * projection):sum():item() end)
  end
  ;(out * projection):sum():backward()
  local worst, details = 0, nil
  for i, leaf in ipairs(leaves) do
    local analytic = leaf.grad and leaf.grad:flatten():totable() or {}
    local flat = leaf:detach():clone()
    local values = flat:flatten()
    for k = 1, values:numel() do
      local original = values[k]
      local xs = {}
      for j, l in ipairs(leaves) do xs[j] = l:detach() end
      local probe = flat:clone()
      local pv = probe:flatten()
      pv[k] = original + eps; xs[i] = probe
      local up = objective(xs)
      pv[k] = original - eps
      local down = objective(xs)
      local numeric = (up - down) / (2 * eps)
      local a = analytic[k] or 0
      local err = math.abs(a - numeric)
      local excess = err - (atol + rtol * math.abs(numeric))
      if excess > worst or (details == nil and excess > 0) then
        worst = math.max(worst, excess)
        details = string.format("input %d, element %d: backward %.6g, finite difference %.6g", i, k, a, numeric)
      end
    end
  end
  return details == nil, worst, details
end

registry["lwscript.show"] = function(...)
  local out = {}
  for i = 1, select("#", ...) do out[#out + 1] = show_value((select(i, ...))) end
  return table.concat(out, "\t")
end
"""#
}
