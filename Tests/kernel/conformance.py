"""The official Jupyter kernel conformance suite (jupyter_kernel_test, from PyPI) against the
lwscript kernel. Run by Tests/CLITests/KernelCLITests.swift with the kernelspec installed
under JUPYTER_PATH; by hand:

    lwscript kernel install --prefix /tmp/k
    JUPYTER_PATH=/tmp/k/share/jupyter python -m unittest -v conformance
"""
import unittest

import jupyter_kernel_test


class LwscriptKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "lwscript"
    language_name = "lua"
    file_extension = ".lua"

    code_hello_world = 'print("hello, world")'
    code_stderr = 'io.stderr:write("oops\\n");'
    code_generate_error = 'error("boom")'

    completion_samples = [
        {"text": "tensor.zer", "matches": {"tensor.zeros"}},
        {"text": "math.fl", "matches": {"math.floor"}},
    ]
    complete_code_samples = ["x = 1", "print(1)", "for i = 1, 2 do end", "1 + 1"]
    incomplete_code_samples = ["for i = 1, 3 do", "function f(x)", "t = {1, 2,", "1 +"]
    invalid_code_samples = ["x = = 1", "local 1 = 2", "end"]

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "tensor.ones(3):sum():item()", "result": "3.0"},
        {"code": "'abc' .. 'def'", "result": "abcdef"},
        {"code": "tensor.eye(2)", "mime": "text/html"},
    ]
    code_display_data = [
        {"code": "display(plot.bars{labels = {'a', 'b'}, series = {{name = 'tpr', values = {0.5, 0.9}}}})",
         "mime": "image/svg+xml"},
        {"code": "display(tensor.ones(2, 2))", "mime": "text/html"},
    ]
    code_history_pattern = "1 + 2"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "tensor.zeros"
    code_clear_output = "jupyter.clear_output()"
    code_page_something = "?tensor.zeros"


if __name__ == "__main__":
    unittest.main()
