-- HTML views of the values researchers look at most in a notebook or a Jupyter cell, for those
-- that have no __html of their own: a dataset (its kind, size and samples per class) and a
-- study, what experiment.learnability returns (its summary as a table: accuracy, Var(s), D
-- with its interval, Holm's p, and the comparison with each method's control).
local data = require("data")

local M = {}
local fmt = string.format

local function esc(s)
  return (tostring(s):gsub("[&<>\"]", {["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;"}))
end

local function table_html(caption, header, rows)
  local out = {"<table>", "<caption>" .. esc(caption) .. "</caption>", "<thead><tr>"}
  for _, h in ipairs(header) do out[#out + 1] = "<th>" .. esc(h) .. "</th>" end
  out[#out + 1] = "</tr></thead><tbody>"
  for _, r in ipairs(rows) do
    out[#out + 1] = "<tr>"
    for _, cell in ipairs(r) do out[#out + 1] = "<td>" .. esc(cell) .. "</td>" end
    out[#out + 1] = "</tr>"
  end
  out[#out + 1] = "</tbody></table>"
  return table.concat(out)
end

local function num(v, pattern)
  if type(v) ~= "number" or v ~= v then return "-" end
  return fmt(pattern, v)
end

-- a dataset: one row per class, with its samples
function M.dataset(ds)
  local counts = ds:counts()
  local rows = {}
  for c, name in ipairs(ds.classes or {}) do rows[#rows + 1] = {tostring(c), name, tostring(counts[c] or 0)} end
  return table_html(tostring(ds), {"class", "name", "samples"}, rows)
end

-- a study: one row per method (the baseline first)
function M.study(st)
  local rows = {}
  local controls = false
  for _, r in ipairs(st.summary) do if r.control then controls = true end end
  for _, r in ipairs(st.summary) do
    local row = {r.method, tostring(r.seeds or "-"), num(r.accuracy, "%.4f"),
                 r.accuracy_change and num(100 * r.accuracy_change, "%+.2f") or "-",
                 num(r.var_after, "%.5f"), num(r.D, "%+.5f"),
                 (r.D_lo and r.D_hi) and fmt("[%+.5f, %+.5f]", r.D_lo, r.D_hi) or "-", num(r.p_holm, "%.3g")}
    if controls then
      row[#row + 1] = r.control and (num(r.control_D, "%+.5f") .. (r.control_D_lo and fmt(" [%+.5f, %+.5f]", r.control_D_lo,
                        r.control_D_hi) or "")) or "-"
      row[#row + 1] = num(r.control_p_holm, "%.3g")
    end
    rows[#rows + 1] = row
  end
  local header = {"method", "seeds", "accuracy", "accuracy change (points)", "Var(s')", "D", "95% CI of D (t)", "p Holm"}
  if controls then header[#header + 1] = "D vs control [95% CI]"; header[#header + 1] = "p Holm (control)" end
  local name = st.name or (type(st.config) == "table" and st.config.name)
  return table_html(fmt("learnability study%s: D = Var(s) - Var(s'), positive when the TPRs are more even",
                        name and (" (" .. name .. ")") or ""), header, rows)
end

-- the HTML view of v, or nil when it has none here
function M.of(v)
  if data.is_dataset(v) then return M.dataset(v) end
  if type(v) == "table" and getmetatable(v) == nil and type(v.summary) == "table" and type(v.summary[1]) == "table"
     and v.summary[1].method == "baseline" then
    return M.study(v)
  end
  return nil
end

return M
