-- %% [markdown]
-- # Sample notebook
--
-- Used by the tests: **every** kind of output, and an error in the middle.

-- %% Setup
helper = require("sample_helper")
tensor.seed(1)
print("ready")

-- %% A tensor
t = tensor.new({{1, 2, 3}, {4, 5, 6}})
io.write("sum = ", t:sum():item(), "\n")
io.stderr:write("a warning on stderr\n")
t

-- %% Per-class results
s = {0.92, 0.81, 0.64, 0.88}
s

-- %% [markdown]
-- ## Plots and rich values
--
-- Escaping check: <b>not bold</b> & done.

-- %% A plot
display(helper.bars({3, 1, 2}))
note = setmetatable({}, {__html = function() return "<p class='rich'>rich <em>html</em></p>" end})
note

-- %% A failing cell
local x = nil
print("before the error")
x.field = 1

-- %% After the error
print("still running: <script>alert(1)</script>")
1 + 1
