-- The Lua half of `experiment`: the research workflow (docs/experiment.md). Orchestration a
-- researcher may want to read, copy and change, in one file per part: the training loop
-- (train.lua) and evaluation, per-run outputs, the re-weighting methods, statistics across
-- seeds (summary.lua) and Algorithm 1 (study.lua) with its outputs, and a study's cells over
-- many processes (cells.lua, runner.lua, slurm.lua, status.lua). Every hot loop (layers,
-- losses, optimizers, batching, confusion matrices) is Swift, reached through the other
-- modules.
require("lwscript.experiment.json")
require("lwscript.experiment.json_read")
require("lwscript.experiment.evaluate")
require("lwscript.experiment.train")
require("lwscript.experiment.outputs")
require("lwscript.experiment.methods")
require("lwscript.experiment.summary")
require("lwscript.experiment.study")
require("lwscript.experiment.status")
