-- lwscript's Lua library: the Lua half of the built-in modules, loaded into every new state
-- after their Swift halves (the module tables, which each file reaches with require("nn")
-- and so on). The tree mirrors the module names: lwscript/experiment/train.lua is
-- require("lwscript.experiment.train"). A file of the same path next to a script, or on
-- LUA_PATH, replaces the built-in one; `lwscript lib` lists and prints them.
require("lwscript.tensor")
require("lwscript.nn")
require("lwscript.loss")
require("lwscript.weights")
require("lwscript.plot")
require("lwscript.experiment")

-- help(x) prints what a function, method or module is, from the docs (lwscript/help.lua): a
-- global, like print, so that it works at the REPL and in the Jupyter kernel.
-- luacheck: globals help
help = require("lwscript.help").help
