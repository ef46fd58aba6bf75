-- Markdown pieces of docs/findings.md: numbers as the study summaries print them, tables,
-- and the per-study sections (provenance, the methods' table, which classes move, figures).
local M = {}
local fmt = string.format

local function defined(v) return v ~= nil and v == v end
M.defined = defined

function M.num(v, pattern) return defined(v) and fmt(pattern, v) or "-" end
function M.D(v) return M.num(v, "%+.5f") end
function M.ci(lo, hi) return (defined(lo) and defined(hi)) and fmt("[%+.5f, %+.5f]", lo, hi) or "(no interval)" end
function M.points(v) return M.num(v and v * 100, "%+.2f") end
function M.points_ci(lo, hi)
  return (defined(lo) and defined(hi)) and fmt("[%+.2f, %+.2f]", 100 * lo, 100 * hi) or "(no interval)"
end
function M.pct(v)
  if not defined(v) then return "-" end
  return fmt(math.abs(v) < 0.1 and "%.1f%%" or "%.0f%%", 100 * v)
end
function M.p(v) return M.num(v, "%.3g") end

function M.table(header, rows)
  local out = {"| " .. table.concat(header, " | ") .. " |", "|" .. string.rep("---|", #header)}
  for _, r in ipairs(rows) do out[#out + 1] = "| " .. table.concat(r, " | ") .. " |" end
  return table.concat(out, "\n")
end

M.ALPHA = 0.05

-- what the seeds say of a method's D: "lower", "higher" or "not distinguishable"
function M.direction(r)
  if r and (r.seeds or 0) < 3 then return "no test before 3 seeds" end
  if not (r and defined(r.p_holm)) or r.p_holm >= M.ALPHA then return "not distinguishable" end
  return r.D > 0 and "lower" or "higher"
end

-- what they say of the method against its control
function M.against_control(r)
  if not r.control then return "no control" end
  if not defined(r.control_p_holm) then return "no test before 3 seeds" end
  if r.control_p_holm >= M.ALPHA then return "not distinguishable" end
  return r.control_D > 0 and "beyond its control" or "less even than its control"
end

-- the study's methods without the controls' own rows
function M.methods(st)
  local out = {}
  for _, r in ipairs(st.rows) do
    if r.method ~= "baseline" and not r.method:find(" %(control%)$") then out[#out + 1] = r end
  end
  return out
end

-- the best method of a study: the largest D among those that lower Var(s) (p_holm < 0.05)
-- and, where they have a control, do so beyond it
function M.best(st)
  local best
  for _, r in ipairs(M.methods(st)) do
    local ok = M.direction(r) == "lower" and (not r.control or M.against_control(r) == "beyond its control")
    if ok and (not best or r.D > best.D) then best = r end
  end
  return best
end

-- a commit as people quote it: its first 10 hex digits (and a "+changes" suffix, if any)
function M.commit(c)
  if not c then return "not recorded" end
  return (c:gsub("^(%x%x%x%x%x%x%x%x%x%x)%x+", "%1"))
end

function M.provenance(st)
  local c, m = st.config, st.config.machine or {}
  local isa = m.isa or {}
  -- the widest vector instructions the machine has
  local has, top = {}, "?"
  for _, name in ipairs(isa) do has[name] = true end
  for _, name in ipairs({"sse4_2", "avx", "avx2", "avx512f"}) do if has[name] then top = name end end
  local cells = st.planned and fmt("%d of %d cells done%s", st.done, st.planned,
                                   st.done < st.planned and " (**partial**: the numbers below use the seeds that are complete)" or "")
                or "cells: -"
  local threads = c.threads and fmt("%d thread%s per run", c.threads, c.threads == 1 and "" or "s") or "threads not recorded"
  if c.workers then threads = threads .. fmt(" on %d local workers", c.workers) end
  if c.slurm then threads = threads .. " on Slurm" end
  local text = fmt("Provenance: commit `%s`, %s (%s, up to %s; BLAS %s), %s, started %s; %s.\nCommand: `%s`.",
    M.commit(c.commit), m.cpu or "?", m.cores and fmt("%d cores", m.cores) or "?", top, m.blas_core or "?", threads,
    c.started or "?", cells, c.command or "not recorded")
  -- the commits, hosts and CPUs that trained the cells (config.json's cells_made), when the
  -- study was collected by other code or the cells came from several places
  local made = c.cells_made
  if made then
    local function list(counts)
      local keys = {}
      for k in pairs(counts or {}) do keys[#keys + 1] = k end
      table.sort(keys)
      for i, k in ipairs(keys) do keys[i] = fmt("`%s` (%d runs)", counts == made.commits and M.commit(k) or k, counts[k]) end
      return table.concat(keys, ", ")
    end
    text = text .. fmt("\nRuns trained at commit %s, on %s (%s).", list(made.commits), list(made.hosts), list(made.cpus))
  end
  return text
end

-- the table of a study's methods
function M.method_table(st)
  local rows = {}
  local var = st.row.baseline and st.row.baseline.var_before
  for _, r in ipairs(M.methods(st)) do
    rows[#rows + 1] = {
      "`" .. r.method .. "`", tostring(r.seeds or "-"),
      M.D(r.D) .. " " .. M.ci(r.D_lo, r.D_hi),
      (defined(r.D) and var and var > 0) and M.pct(r.D / var) or "-",
      M.p(r.p_holm),
      r.control and (M.D(r.control_D) .. " " .. M.ci(r.control_D_lo, r.control_D_hi) .. ", p_holm " .. M.p(r.control_p_holm)) or "no control",
      M.points(r.accuracy_change) .. " " .. M.points_ci(r.accuracy_change_lo, r.accuracy_change_hi),
      M.num(r.D_test_se, "%.5f"), M.num(r.detectable_D, "%.5f"),
      M.direction(r) .. ((r.control and (r.seeds or 0) >= 3) and ("; " .. M.against_control(r)) or ""),
    }
  end
  return M.table({"method", "seeds", "D [95% CI]", "D / Var(s)", "p_holm", "vs its control: D [95% CI]",
                  "accuracy, points [95% CI]", "test se", "80% power at abs(D) >=", "Var(s) is"}, rows)
end

-- per class, the mean TPR change (points) under the methods that are not a gamma of the sweep
function M.class_table(st, k_hard, k_easy)
  local methods = {}
  for _, r in ipairs(M.methods(st)) do
    if not r.method:find("^gamma=") and st.change[r.method] then methods[#methods + 1] = r.method end
  end
  local picked, seen = {}, {}
  for i = 1, math.min(k_hard, #st.order) do picked[#picked + 1] = st.order[i]; seen[st.order[i]] = true end
  for i = math.max(1, #st.order - k_easy + 1), #st.order do
    if not seen[st.order[i]] then picked[#picked + 1] = st.order[i] end
  end
  local header = {"class", "baseline TPR"}
  for _, m in ipairs(methods) do header[#header + 1] = "`" .. m .. "`" end
  local rows = {}
  for _, c in ipairs(picked) do
    local row = {c, M.num(st.baseline_tpr[c], "%.3f")}
    for _, m in ipairs(methods) do row[#row + 1] = M.points(st.change[m][c]) end
    rows[#rows + 1] = row
  end
  return M.table(header, rows)
end

-- the class a method raises most and the one it lowers most
function M.moves(st, method)
  local up, down
  for _, c in ipairs(st.classes) do
    local d = st.change[method] and st.change[method][c]
    if d then
      if not up or d > st.change[method][up] then up = c end
      if not down or d < st.change[method][down] then down = c end
    end
  end
  return up, down
end

return M
