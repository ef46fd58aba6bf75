-- `lwscript study status DIR...`: what a study directory holds, cell by cell: done, running
-- (and where), failed (why, and the log to read), not started. From plan.lua and cells/.
local cells = require("lwscript.experiment.cells")

local M = {}

local fmt = string.format

-- The report for one study directory, as text lines; ok is false when it is not a study.
function M.lines(out)
  local plan, err = cells.read_plan(out)
  if not plan then return {fmt("%s: %s", out, err)}, false end
  local groups = {done = {}, running = {}, failed = {}, died = {}, missing = {}}
  for _, cell in ipairs(plan.cells) do
    local state = cells.state(out, cell.id)
    table.insert(groups[state], cell)
  end
  local n = #plan.cells
  local lines = {fmt("%s%s: %d cells: %d done, %d running, %d failed, %d not started", out,
                     plan.name and (" (" .. plan.name .. ")") or "", n, #groups.done, #groups.running,
                     #groups.failed + #groups.died, #groups.missing)}
  for _, cell in ipairs(groups.running) do
    local host, pid, job = cells.claimant(out, cell.id)
    lines[#lines + 1] = fmt("  running  %s  (%s pid %s%s)", cell.id, host, tostring(pid), job and (", Slurm job " .. job) or "")
  end
  for _, cell in ipairs(groups.failed) do
    lines[#lines + 1] = fmt("  failed   %s  %s", cell.id, cells.failure(out, cell.id))
  end
  for _, cell in ipairs(groups.died) do
    local _, pid = cells.claimant(out, cell.id)
    lines[#lines + 1] = fmt("  failed   %s  its process (pid %s) ended without finishing it", cell.id, tostring(pid))
  end
  if #groups.missing > 0 and #groups.missing <= 20 then
    local ids = {}
    for i, cell in ipairs(groups.missing) do ids[i] = cell.id end
    lines[#lines + 1] = "  not started: " .. table.concat(ids, ", ")
  end
  if #groups.failed + #groups.died + #groups.missing > 0 then
    lines[#lines + 1] = "  running the study again (workers, or Slurm) runs only the cells not done"
  end
  return lines, true
end

-- Prints the report of each directory; false if one is not a study directory.
function M.print(dirs)
  local all = true
  for _, d in ipairs(dirs) do
    local lines, ok = M.lines(d)
    print(table.concat(lines, "\n"))
    all = all and ok
  end
  return all
end

return M
