-- %% [markdown]
-- # A tour of lwscript tensors
--
-- A notebook in Lua: `-- %%` starts a code cell, `-- %% [markdown]` a text cell. Make the report with
--
--     lwscript notebook scripts/notebooks/tour.lua -o tour.html
--
-- Each cell's last expression is shown as its value; tensors and per-class results show as
-- tables. Cells share globals (a `local` stays in its cell). See docs/notebook.md.

-- %% Creating tensors
tensor.seed(1)
x = tensor.new({{1, 2, 3}, {4, 5, 6}})
print("x has shape " .. table.concat(x:shape(), "x"))
x

-- %% Products go to OpenBLAS
x:t():matmul(x)

-- %% [markdown]
-- ## Per-class results
--
-- Per-class true-positive rates `s` are plain Lua arrays. Their variance
-- `Var(s) = 1/C * sum (s_c - mean)^2` measures how unevenly the classes are learned.

-- %% TPRs and their variance
s = {0.92, 0.81, 0.64, 0.88}
st = tensor.new(s)
print(string.format("mean TPR %.3f, Var(s) %.5f", st:mean():item(), st:var(false):item()))
s

-- %% A weight formula, tried on the spot
-- w_c = (1 - (s_c - mean) / s_c)^gamma: classes learned worse get more weight
gamma = 2
w = (1 - (st - st:mean()) / st) ^ gamma
w:totable()

-- %% A value that draws itself
-- Any value whose metatable has __svg (or __html, __markdown) is shown that way; the plot
-- module follows this protocol. A tiny bar chart of the weights:
local function bars(values, labels)
  local width, height, bar = 60 * #values, 160, 40
  local top = math.max(table.unpack(values))
  local parts = {string.format('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">',
                               width, height + 20, width, height + 20)}
  for i, v in ipairs(values) do
    local h = v / top * (height - 20)
    parts[#parts + 1] = string.format('<rect x="%d" y="%.1f" width="%d" height="%.1f" fill="#4c78a8"/>',
                                      (i - 1) * 60 + 10, height - h, bar, h)
    parts[#parts + 1] = string.format('<text x="%d" y="%d" font-size="12" text-anchor="middle">%s</text>',
                                      (i - 1) * 60 + 30, height + 15, labels[i])
  end
  parts[#parts + 1] = "</svg>"
  return table.concat(parts)
end
chart = setmetatable({values = w:totable()}, {
  __svg = function(self) return bars(self.values, {"1", "2", "3", "4"}) end,
})
chart

-- %% Reductions
m = tensor.arange(12):reshape(3, 4)
display(m)                      -- display shows a value mid-cell
print("row sums:", table.concat(m:sum(2):totable(), ", "))
m:mean(1)

-- %% Seeded randomness
tensor.seed(7); a = tensor.randn(3)
tensor.seed(7); b = tensor.randn(3)
tensor.equal(a, b)
