import Foundation
import XCTest

/// help(x) and `?x`: the text comes from docs/*.md through a generated file, which must be
/// what scripts/help-index.lua makes of today's docs (one source of truth).
final class HelpCLITests: XCTestCase {
    static let root = CLITests.root

    func testHelpIndexIsGeneratedFromTheDocs() throws {
        let r = try run(["scripts/help-index.lua"], directory: Self.root)
        XCTAssertEqual(r.status, 0, r.stderr)
        let committed = try String(contentsOf: Self.root.appendingPathComponent("Sources/Bridge/lua/lwscript/help_index.lua"), encoding: .utf8)
        XCTAssertTrue(r.stdout == committed,
                      "the help text and docs/*.md differ: run `lwscript scripts/help-index.lua > Sources/Bridge/lua/lwscript/help_index.lua` and rebuild")
    }

    func testHelpOfAFunctionAMethodAModuleAndTheList() throws {
        let r = try run(["-e", "help(tensor.no_grad)"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, """
            tensor.no_grad
              tensor.no_grad(f, ...)
                  runs `f(...)` without recording; returns its results (the mode is restored even if `f` raises)
            Examples:
              tensor.no_grad(function() coroutine.yield(tensor.is_grad_enabled()) end)
            See docs/autograd.md, API; docs/autograd.md, Modes and coroutines

            """)
        let list = try run(["-e", "help()"])
        XCTAssertTrue(list.stdout.hasPrefix("lwscript's modules (help(module) lists its functions; help(f) or ?f shows one):\n  tensor       docs/tensor.md\n"), list.stdout)
        let module = try run(["-e", "help(tensor)"])
        XCTAssertTrue(module.stdout.hasPrefix("tensor: the tensor module (docs/tensor.md); help(tensor.NAME) for one of:\n"), module.stdout)
        XCTAssertTrue(module.stdout.contains("\n  tensor.zeros             filled with 0; sizes as numbers (`2, 3`) or one table (`{2, 3}`)\n"), module.stdout)
        let other = try run(["-e", "help(print)"])
        XCTAssertEqual(other.stdout, "a function: no help (not a function or module of lwscript's; Lua's own are in the Lua 5.4 reference manual)\n")
    }

    /// `?name` and `name?` at the REPL, for a method of a local too.
    func testQuestionMarkAtTheRepl() throws {
        let r = try run(["-i"], stdin: "local x = tensor.ones(2, 3)\n?x:reshape\ntensor.eye?\n")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("""
            x:reshape
              a:reshape(sizes...)
                  the same elements in a new shape (numbers or one table; one size may be -1); a view when the data is packed, else a copy
            Examples:
              print(a:reshape(3, -1))          -- one size may be -1; also a:reshape({3, 2}), a:view(...)
            See docs/tensor.md, Shape and views
            tensor.eye
              tensor.eye(n[, m = n])
                  the identity, n x m

            """), r.stdout)
    }

    /// Issue 16: a signature with its options and defaults, a description, examples and where
    /// it came from, for functions that the docs described in prose only before (a loss, sys).
    func testHelpShowsSignatureDefaultsExampleAndSource() throws {
        let l = try run(["-e", "help(loss.ldam)"])
        XCTAssertEqual(l.status, 0, l.stderr)
        XCTAssertTrue(l.stdout.hasPrefix("""
            loss.ldam
              loss.ldam{counts = {...}[, max_m = 0.5, s = 30, weights = nil, reduction = "mean"]}
                  label-distribution-aware margin loss (Cao et al. 2019): margins `~ n_c^(-1/4)` scaled to `max_m`, logits scaled by `s`
            Examples:
              print(table.concat(loss.ldam{counts = {5000, 500, 50}}.margins, ", "))   -- 0.158..., 0.281..., 0.5

            """), l.stdout)
        let s = try run(["-e", "help(sys.spawn)"])
        XCTAssertTrue(s.stdout.hasPrefix("sys.spawn\n  sys.spawn(argv[, {env = {NAME = value}, log = nil}])\n"), s.stdout)
        XCTAssertTrue(s.stdout.hasSuffix("See docs/sys.md, Processes\n"), s.stdout)
        let list = try run(["-e", "help()"])
        XCTAssertTrue(list.stdout.contains("\n  sys          docs/sys.md\n"), list.stdout)
    }
}
