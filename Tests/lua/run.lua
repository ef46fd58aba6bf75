-- Command-line runner for the Lua tests (see README.md and testing.lua):
--   lwscript Tests/lua/run.lua [file [case-name-or-pattern]]
-- Exit status 1 when a case failed, a file did not load, or no case matched.
local T = require("testing")
local dir = arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or "."
os.exit(T.main(dir, {...}))
