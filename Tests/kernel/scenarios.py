"""The lwscript kernel as a Jupyter client drives it (jupyter_client): state across cells,
errors, interrupts during training, input, restart, kill, and messages that must be dropped.
Run by Tests/CLITests/KernelCLITests.swift with the kernelspec installed under JUPYTER_PATH.
"""
import base64
import os
import signal
import tempfile
import time
import unittest

from jupyter_client.manager import KernelManager
from jupyter_client.session import Session

TIMEOUT = 60


class KernelSession:
    """A kernel started as Jupyter starts it, its stderr kept in a file."""

    def __init__(self):
        self.stderr = tempfile.NamedTemporaryFile(prefix="lwscript-kernel-", suffix=".log", delete=False)
        self.km = KernelManager(kernel_name="lwscript")
        self.km.start_kernel(stderr=self.stderr)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=TIMEOUT)

    @property
    def pid(self):
        return self.km.provisioner.process.pid

    def log(self):
        with open(self.stderr.name) as f:
            return f.read()

    def close(self):
        self.kc.stop_channels()
        if self.km.has_kernel:
            self.km.shutdown_kernel(now=True)
        self.stderr.close()
        os.unlink(self.stderr.name)

    def execute(self, code, allow_stdin=False, on_input=None, on_output=None):
        """Runs a cell; returns (reply content, [(msg_type, content)] of its iopub outputs)."""
        msg_id = self.kc.execute(code, allow_stdin=allow_stdin)
        outputs = []
        idle = False
        reply = None
        while not idle or reply is None:
            if on_input is not None:
                try:
                    req = self.kc.get_stdin_msg(timeout=0.05)
                    self.kc.input(on_input(req["content"], outputs))
                except Exception:
                    pass
            try:
                msg = self.kc.get_iopub_msg(timeout=0.05)
            except Exception:
                msg = None
            if msg is not None and msg["parent_header"].get("msg_id") == msg_id:
                kind = msg["msg_type"]
                if kind == "status":
                    idle = msg["content"]["execution_state"] == "idle"
                elif kind != "execute_input":
                    outputs.append((kind, msg["content"]))
                    if on_output is not None:
                        on_output(kind, msg["content"])
            if reply is None:
                try:
                    r = self.kc.get_shell_msg(timeout=0.05)
                    if r["parent_header"].get("msg_id") == msg_id:
                        reply = r["content"]
                except Exception:
                    pass
        return reply, outputs

    def result(self, code):
        """The text/plain of a cell's execute_result (the cell must succeed)."""
        reply, outputs = self.execute(code)
        assert reply["status"] == "ok", (code, reply, outputs)
        results = [c["data"]["text/plain"] for k, c in outputs if k == "execute_result"]
        assert len(results) == 1, (code, outputs)
        return results[0]


class ScenarioTests(unittest.TestCase):
    def setUp(self):
        self.k = KernelSession()

    def tearDown(self):
        self.k.close()

    def test_locals_stay_across_cells_and_values_are_results(self):
        reply, outputs = self.k.execute("local m = nn.mlp{inputs = 4, hidden = {8}, classes = 2}\nlocal data = 3")
        self.assertEqual((reply["status"], outputs), ("ok", []))
        self.assertIn("Total: 58 parameters", self.k.result("m"))
        # the local shadows the global module for the cells only
        reply, outputs = self.k.execute("data, type(_G.data)")
        # several values: the last is the cell's result, the others are displayed before it
        self.assertEqual([(k, c["data"]["text/plain"]) for k, c in outputs],
                         [("display_data", "3"), ("execute_result", "table")])

    def test_error_cell_then_working_cell(self):
        reply, outputs = self.k.execute("local t = nil\nprint('before')\nt.x = 1")
        self.assertEqual(reply["status"], "error")
        self.assertEqual(reply["ename"], "LuaError")
        self.assertEqual(reply["evalue"], "In[1]:3: attempt to index a nil value (global 't')")
        self.assertEqual(outputs[0], ("stream", {"name": "stdout", "text": "before\n"}))
        self.assertEqual(outputs[1][0], "error")
        self.assertEqual(outputs[1][1]["traceback"][:2],
                         ["LuaError: In[1]:3: attempt to index a nil value (global 't')", "stack traceback:"])
        reply, _ = self.k.execute("x = = 1")
        self.assertEqual((reply["ename"], reply["evalue"]), ("LuaSyntaxError", "In[2]:1: unexpected symbol near '='"))
        self.assertEqual(self.k.result("1 + 1"), "2")
        self.assertEqual(self.k.execute("1 + 1")[0]["execution_count"], 4)

    def test_plots_are_svg_and_tables_html(self):
        reply, outputs = self.k.execute(
            "p = plot.bars{labels = {'a', 'b'}, series = {{name = 'tpr', values = {0.5, 0.9}}}}\ndisplay(p)\ntensor.eye(2)")
        self.assertEqual(reply["status"], "ok")
        self.assertEqual([k for k, _ in outputs], ["display_data", "execute_result"])
        self.assertTrue(outputs[0][1]["data"]["image/svg+xml"].lstrip().startswith("<svg"), outputs[0][1]["data"])
        # a PNG beside the SVG (setup-test installs rsvg-convert): nbconvert 6.5 shows SVG alone as blank
        self.assertTrue(base64.b64decode(outputs[0][1]["data"]["image/png"]).startswith(b"\x89PNG"), outputs[0][1]["data"].keys())
        self.assertEqual(outputs[1][1]["data"]["text/plain"], " 1 0\n 0 1\n[FloatTensor of size 2x2]")
        self.assertIn("<table", outputs[1][1]["data"]["text/html"])

    def test_output_streams_while_the_cell_runs(self):
        # The cell prints, then waits for input: the line must reach the client before the
        # client answers, so it was sent while the cell was running.
        seen_before_input = []

        def answer(request, outputs):
            # The printed line arrives on iopub, a socket of its own: wait for it (it never
            # comes if the kernel held output back until the cell ended).
            while not any(k == "stream" for k, _ in outputs):
                msg = self.k.kc.get_iopub_msg(timeout=TIMEOUT)
                if msg["msg_type"] == "stream":
                    outputs.append(("stream", msg["content"]))
            seen_before_input.extend(c["text"] for k, c in outputs if k == "stream")
            self.assertEqual(request, {"prompt": "", "password": False})
            return "41"

        reply, outputs = self.k.execute("print('asking')\nanswer = io.read('n') + 1\nanswer",
                                        allow_stdin=True, on_input=answer)
        self.assertEqual(reply["status"], "ok")
        self.assertEqual(seen_before_input, ["asking\n"])
        self.assertEqual(outputs[-1][1]["data"]["text/plain"], "42")
        # without allow_stdin, io.read is an error, not a hang
        reply, _ = self.k.execute("io.read()")
        self.assertEqual(reply["status"], "error")
        self.assertEqual(reply["evalue"], "In[2]:1: io.read: input is not available: the frontend did not allow stdin for this cell "
                                          "(nbconvert and 'jupyter execute' never do)")

    def test_interrupt_stops_training_at_a_batch_boundary_and_the_kernel_lives_on(self):
        marker = tempfile.mktemp(prefix="lwscript-kernel-ready-")
        code = f"""
tensor.seed(1)
local x, y = tensor.randn(256, 8), tensor.zeros(256)
for i = 1, 256 do y[i] = (i - 1) % 4 + 1 end
local model = nn.mlp{{inputs = 8, hidden = {{16}}, classes = 4}}
h = experiment.train(model, data.tensors(x, y), {{epochs = 100000, batch = 8, seed = 1, quiet = true,
  on_epoch = function(e) if e == 1 then local f = io.open("{marker}", "w"); f:write("1"); f:close() end end}})
print("after training")
"""
        interrupted = []

        def wait_and_interrupt():
            while not os.path.exists(marker):
                time.sleep(0.02)
            if not interrupted:
                interrupted.append(True)
                self.k.km.interrupt_kernel()   # interrupt_mode "message": interrupt_request on control

        import threading
        t = threading.Thread(target=wait_and_interrupt)
        t.start()
        reply, outputs = self.k.execute(code)
        t.join()
        os.unlink(marker)
        self.assertEqual(reply["status"], "error")
        self.assertEqual(reply["ename"], "Interrupted")
        self.assertEqual(reply["evalue"], "interrupted: training stopped at a batch boundary and kept its history; the rest of the cell ran")
        self.assertIn(("stream", {"name": "stdout", "text": "after training\n"}), outputs)
        self.assertEqual(self.k.result("h.interrupted ~= nil and #h.epoch >= 1"), "true")

        # plain Lua code stops at once, by interrupt_request and by SIGINT alike
        for how in ("message", "signal"):
            with self.subTest(how=how):
                marker2 = tempfile.mktemp(prefix="lwscript-kernel-loop-")

                def interrupt_loop():
                    while not os.path.exists(marker2):
                        time.sleep(0.02)
                    if how == "message":
                        self.k.km.interrupt_kernel()
                    else:
                        os.kill(self.k.pid, signal.SIGINT)

                t = threading.Thread(target=interrupt_loop)
                t.start()
                reply, _ = self.k.execute(f'io.open("{marker2}", "w"):close()\nwhile true do end')
                t.join()
                os.unlink(marker2)
                self.assertEqual(reply["ename"], "Interrupted")
                self.assertTrue(reply["evalue"].endswith("interrupted!"), reply["evalue"])
        # SIGINT while idle is ignored: the kernel lives on
        os.kill(self.k.pid, signal.SIGINT)
        self.assertEqual(self.k.result("h ~= nil"), "true")

    def test_complete_and_inspect_a_tensor_method(self):
        self.k.execute("x = tensor.ones(2, 3)")
        reply = self.k.kc.complete("y = x:resh", 10, reply=True, timeout=TIMEOUT)["content"]
        self.assertEqual((reply["matches"], reply["cursor_start"], reply["cursor_end"]), (["x:reshape"], 4, 10))
        reply = self.k.kc.inspect("x:reshape(3, 2)", 4, reply=True, timeout=TIMEOUT)["content"]
        self.assertTrue(reply["found"])
        # the help text, from docs/tensor.md
        self.assertEqual(reply["data"]["text/plain"].split("\n")[:5],
                         ["x:reshape", "  a:reshape(sizes...)",
                          "      the same elements in a new shape (numbers or one table; one size may be -1); a view when the data is packed, else a copy",
                          "Examples:", "  print(a:reshape(3, -1))          -- one size may be -1; also a:reshape({3, 2}), a:view(...)"])
        # ?name in a cell shows the same in the pager
        reply, outputs = self.k.execute("?x:reshape")
        self.assertEqual((reply["status"], outputs), ("ok", []))
        self.assertEqual(reply["payload"][0]["source"], "page")
        self.assertEqual(reply["payload"][0]["data"]["text/plain"].split("\n")[0], "x:reshape")
        reply = self.k.kc.inspect("no_such_name", 3, reply=True, timeout=TIMEOUT)["content"]
        self.assertEqual((reply["status"], reply["found"], reply["data"]), ("ok", False, {}))

    def test_restart_gives_a_fresh_state_in_a_new_process(self):
        self.k.execute("x = 5")
        old = self.k.pid
        self.k.km.restart_kernel()
        self.k.kc.wait_for_ready(timeout=TIMEOUT)
        self.assertNotEqual(self.k.pid, old)
        with self.assertRaises(ProcessLookupError):
            os.kill(old, 0)
        self.assertEqual(self.k.result("x == nil"), "true")

    def test_shutdown_and_kill_leave_no_process(self):
        pid = self.k.pid
        self.k.km.shutdown_kernel()        # shutdown_request, then waits
        self.assertFalse(self.k.km.is_alive())
        with self.assertRaises(ProcessLookupError):
            os.kill(pid, 0)
        self.k.close()
        self.k = KernelSession()
        self.k.execute("x = 1")
        pid = self.k.pid
        self.k.km.shutdown_kernel(now=True)   # killed by the client
        with self.assertRaises(ProcessLookupError):
            os.kill(pid, 0)

    def test_wrongly_signed_and_malformed_messages_are_logged_and_dropped(self):
        marker = tempfile.mktemp(prefix="lwscript-kernel-forged-")
        forger = Session(key=b"not-the-key")
        msg = forger.msg("execute_request", {"code": f'io.open("{marker}", "w"):close()', "silent": False,
                                              "store_history": True, "user_expressions": {}, "allow_stdin": False})
        forger.send(self.k.kc.shell_channel.socket, msg)
        # a message without a delimiter, and one with too few frames
        self.k.kc.shell_channel.socket.send_multipart([b"garbage"])
        self.k.kc.shell_channel.socket.send_multipart([b"<IDS|MSG>", b"sig", b"{}"])
        # the kernel still answers, and never ran the forged cell
        self.assertEqual(self.k.result("1 + 1"), "2")
        self.assertFalse(os.path.exists(marker))
        log = self.k.log()
        self.assertIn("dropped a message on the shell channel: its signature does not match (wrong key, or altered)", log)
        self.assertIn("dropped a message on the shell channel: no <IDS|MSG> delimiter among its", log)
        self.assertIn("dropped a message on the shell channel: 2 frames after the delimiter, expected at least 5", log)


if __name__ == "__main__":
    unittest.main()
