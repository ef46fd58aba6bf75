-- The sys functions a study's runner uses to share work between processes: spawn, wait,
-- kill, alive, claim, run, list, sleep (lwscript/experiment/runner.lua).
local T = require("testing")
local test = T.suite("sys_processes")

function test.spawn_and_wait_report_how_a_process_ended()
  local pid = sys.spawn({"/bin/sh", "-c", "exit 3"})
  T.eq(math.type(pid), "integer", "a pid")
  local how, code = sys.wait(pid, {block = true})
  T.eq(how, "exit", "exited"); T.eq(code, 3, "its status")
  local sleeper = sys.spawn({"sleep", "30"})
  T.eq(sys.alive(sleeper), true, "running")
  T.eq(sys.wait(sleeper), nil, "not ended yet")
  T.eq(sys.kill(sleeper, 9), true, "signalled")
  how, code = sys.wait(sleeper, {block = true})
  T.eq(how, "signal"); T.eq(code, 9, "killed by SIGKILL")
  T.eq(sys.alive(sleeper), false, "gone")
end

function test.spawn_sets_the_environment_and_appends_to_a_log()
  local dir = T.tmpdir()
  local log = dir .. "/log"
  local pid = sys.spawn({"/bin/sh", "-c", "echo \"$LWS_TEST_VALUE\"; echo err >&2"}, {env = {LWS_TEST_VALUE = "it's 1"}, log = log})
  sys.wait(pid, {block = true})
  local f = assert(io.open(log))
  T.eq(f:read("a"), "it's 1\nerr\n", "stdout and stderr in the log, the value as given")
  f:close()
end

function test.claim_is_won_once()
  local path = T.tmpdir() .. "/cell.claim"
  T.eq(sys.claim(path, "me"), true, "first")
  T.eq(sys.claim(path, "other"), false, "second")
  local f = assert(io.open(path))
  T.eq(f:read("a"), "me", "the winner's text")
  f:close()
end

function test.run_returns_output_and_status()
  local out, status = sys.run({"/bin/sh", "-c", "echo hi; exit 2"})
  T.eq(out, "hi\n"); T.eq(status, 2)
  local none, why = sys.run({"lwscript-no-such-command"})
  T.eq(none, nil, "cannot start")
  T.eq(why, "cannot run lwscript-no-such-command: not found on PATH")
end

function test.list_and_the_process_facts()
  local dir = T.tmpdir()
  sys.claim(dir .. "/b", ""); sys.claim(dir .. "/a", "")
  T.same_table(sys.list(dir), {"a", "b"}, "sorted names")
  T.same_table(sys.list(dir .. "/missing"), {}, "a missing directory: none")
  T.eq(sys.alive(sys.pid()), true, "this process")
  T.eq(type(sys.hostname()), "string")
  T.eq(sys.executable():sub(1, 1), "/", "an absolute path")
end

function test.bad_arguments_are_refused()
  T.raises("seconds must be in [0, 86400], got -1.0", sys.sleep, -1)
  T.raises("expected a process id > 0, got 0", sys.kill, 0)
  T.raises("the argv array is empty", sys.spawn, {})
  T.raises("argv[2] must be a string, got table", sys.spawn, {"sh", {}})
  T.raises("unknown option 'envs'", sys.spawn, {"true"}, {envs = {}})
  T.raises("option 'env' must map names to strings", sys.run, {"true"}, {env = {1, 2}})
  T.raises("cannot start /nonexistent/program", sys.spawn, {"/nonexistent/program"})
end

-- The message named the function twice ("sys.wait: sys.wait: process 1 ...").
function test.waiting_for_another_process_names_the_function_once()
  local ok, err = pcall(sys.wait, 1)
  T.eq(ok, false, "pid 1 is not a child")
  T.eq(err, "sys.wait: process 1 is not a child of this one", "the message")
end

return test
