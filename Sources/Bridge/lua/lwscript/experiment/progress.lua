-- Training progress: a bar redrawn in place on a terminal, one line per epoch otherwise (and
-- nothing with quiet = true). In a notebook the output is captured, so no bar is drawn.
local sys = require("sys")
local M = {}

local fmt = string.format

function M.is_terminal()
  -- A report keeps the epoch lines; the Jupyter kernel streams, so its frontend redraws the
  -- bar in place ("\r").
  local nb = rawget(_G, "notebook")
  if nb then return type(nb) == "table" and rawget(nb, "live") == true end
  local term = os.getenv("TERM")
  if term == "dumb" then return false end
  return sys.isatty(1)
end

-- Erases the rest of the line on a terminal; a Jupyter frontend shows "\r" alone right.
function M.erase()
  return rawget(_G, "notebook") and "" or "\27[K"
end

local function pct(v) return v and fmt("%.1f%%", 100 * v) or "-" end

-- The line printed after epoch e: loss, accuracy and, with a validation set, its accuracy,
-- Var(s) and hardest class.
function M.epoch_line(history, e, epochs, name)
  local i = #history.epoch
  local width = #tostring(epochs)
  local parts = {fmt("%sepoch %" .. width .. "d/%d", name and (name .. "  ") or "", e, epochs),
                 fmt("loss %.4f", history.loss[i]), "acc " .. pct(history.accuracy[i])}
  if history.val_accuracy[i] then
    parts[#parts + 1] = "val_acc " .. pct(history.val_accuracy[i])
    parts[#parts + 1] = fmt("Var(s) %.5f", history.val_var_tpr[i])
    parts[#parts + 1] = fmt("min %.3f (%s)", history.val_min_tpr[i], history.val_min_class[i])
  end
  parts[#parts + 1] = fmt("%.1fs", history.time[i])
  return table.concat(parts, "  ")
end

-- M.new(quiet, name): p.batch(epoch, epochs, k, total, loss, accuracy, seconds) redraws the
-- bar (at most 10 times a second); p.line(text) prints a line (over the bar); p.status(text)
-- shows a line that the next one replaces (on a terminal).
function M.new(quiet, name)
  local p = {tty = not quiet and M.is_terminal(), quiet = quiet, last = -1, name = name}
  function p.batch(e, epochs, k, total, loss_mean, acc, seconds)
    if not p.tty then return end
    local now = sys.clock()
    if now - p.last < 0.1 and k < total then return end
    p.last = now
    local width = 24
    local filled = total > 0 and math.floor(width * k / total) or width
    local bar = string.rep("=", filled) .. (filled < width and ">" or "") .. string.rep(" ", math.max(0, width - filled - 1))
    io.stdout:write(fmt("\r%sepoch %d/%d [%s] %d/%d  loss %.4f  acc %s  %.0fs%s",
      p.name and (p.name .. "  ") or "", e, epochs, bar, k, total, loss_mean, pct(acc), seconds, M.erase()))
    io.stdout:flush()
  end
  -- p.status(text): a status line, redrawn in place on a terminal, a line of its own otherwise
  function p.status(text)
    if p.quiet then return end
    if p.tty then
      io.stdout:write("\r" .. text .. M.erase())
      io.stdout:flush()
    else
      print(text)
      io.stdout:flush()
    end
  end
  function p.line(text)
    if p.quiet then return end
    if p.tty then io.stdout:write("\r" .. M.erase()) end
    print(text)
    io.stdout:flush()
  end
  return p
end

return M
