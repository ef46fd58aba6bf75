-- luacheck configuration (Debian's lua-check): `scripts/lint` runs it over lwscript's own Lua
-- library, the Lua tests and the scripts, and scripts/test fails on any warning.
std = "lua54"
max_line_length = 150

-- The built-in modules are globals in every lwscript state (and `require`-able by name), and
-- read-only for scripts and tests. The library's own files (Sources/*/lua) reach them only
-- through `require`, so that a script assigning a global named `data` or `csv` cannot break
-- the library: there they are not globals at all.
local modules = {
  "tensor", "nn", "loss", "weights", "optim", "data", "sample", "augment", "metrics", "stats",
  "csv", "plot", "experiment", "sys",
}
files["Tests"] = {read_globals = modules}
files["scripts"] = {read_globals = modules}

-- A to-be-closed variable kept only for its __close (`local _restore <close> = ...`) is
-- never read: names starting with "_" say so.
ignore = {"211/_.*"}

-- Generated reference tables (scripts/reference/*.py write them): long lines of numbers.
files["Tests/lua/*_data.lua"] = {max_line_length = false}
-- The help text generated from the docs (scripts/help-index.lua): one long line per entry.
files["Sources/Bridge/lua/lwscript/help_index.lua"] = {max_line_length = false}

-- Notebooks: `display` and `notebook` are globals there, and a cell's last line may be a
-- bare expression (its value is shown), which is not a Lua statement: they are not linted
-- as plain Lua files (the notebook tests run them).
exclude_files = {"scripts/notebooks/*.lua", "Tests/notebooks/*.lua", ".build*/**"}
