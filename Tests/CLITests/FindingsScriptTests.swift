import Foundation
import XCTest

/// scripts/findings.lua end to end: two small real studies (3 seeds of a 4-class features set,
/// with controls and a gamma sweep) stand where scripts/findings-run puts the Fashion-MNIST MLP
/// and the Letter studies; the document must carry their numbers as summary.json holds them,
/// the forum section, the studies not run, the figures, and the README's table between its
/// markers.
final class FindingsScriptTests: XCTestCase {
    static let root = CLITests.root

    func study(_ out: String) -> String {
        """
        tensor.seed(5)
        local x, y = tensor.randn(240, 3), tensor.zeros(240)
        for i = 1, 240 do
          local c = (i - 1) % 4 + 1
          y[i] = c
          x[i][1] = x[i][1] + 1.2 * c
          x[i][2] = x[i][2] + (c == 4 and 1.5 or 0)
        end
        local all = data.tensors(x, y, {classes = {"a", "b", "c", "d"}})
        local train, rest = all:split(0.5, {seed = 1})
        local val, test = rest:split(0.5, {seed = 2})
        experiment.learnability{data = {train = train, val = val, test = test}, seeds = {1, 2, 3}, epochs = 3, quiet = true,
          optimizer = function(params) return optim.Adam(params, {lr = 0.05}) end,
          model = function(seed) tensor.seed(seed); return nn.mlp{inputs = 3, hidden = {8}, classes = 4} end,
          methods = {"tpr_weighted_ce", "class_balanced_tpr", "focal"}, gammas = {1, 2}, controls = true,
          out = "\(out)"}
        """
    }

    func testFindingsAreWrittenFromTheStudyDirectories() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lws-findings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent("runs").path
        for path in ["fashion-mlp/mlp", "letter"] {
            let script = dir.appendingPathComponent("study.lua")
            try study(runs + "/" + path).write(to: script, atomically: true, encoding: .utf8)
            let r = try run([script.path], env: ["LWSCRIPT_COMMIT": "abc1234"])
            XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        }
        let readme = dir.appendingPathComponent("README.md")
        try "# x\n\n<!-- findings:begin -->\nold table\n<!-- findings:end -->\n\nmore\n"
            .write(to: readme, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("docs/findings.md").path
        let images = dir.appendingPathComponent("docs/images/findings").path
        let r = try run([Self.root.appendingPathComponent("scripts/findings.lua").path, "--runs", runs, "--out", out,
                         "--images", images, "--readme", readme.path])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("(2 studies, 2 not run yet)"), r.stdout)
        let doc = try String(contentsOfFile: out, encoding: .utf8)

        // the numbers are summary.json's, formatted as the study prints them
        let json = try Data(contentsOf: URL(fileURLWithPath: runs + "/letter/summary.json"))
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: json) as? [[String: Any]])
        let row = try XCTUnwrap(rows.first { $0["method"] as? String == "tpr_weighted_ce" })
        let D = try XCTUnwrap(row["D"] as? Double)
        let lo = try XCTUnwrap(row["D_lo"] as? Double), hi = try XCTUnwrap(row["D_hi"] as? Double)
        let cell = String(format: "%+.5f [%+.5f, %+.5f]", D, lo, hi)
        XCTAssertTrue(doc.contains("| `tpr_weighted_ce` | 3 | \(cell) |"), doc)
        let control = try XCTUnwrap(row["control_D"] as? Double)
        XCTAssertTrue(doc.contains(String(format: "%+.5f [", control)), "the control comparison:\n\(doc)")

        // provenance, the studies not run, the forum section, figures, the README
        XCTAssertTrue(doc.contains("Provenance: commit `abc1234`"), doc)
        XCTAssertTrue(doc.contains("; 24 of 24 cells done."), doc)
        XCTAssertTrue(doc.contains("- Names -> country, ConvLSTM: not run yet"), doc)
        XCTAssertTrue(doc.contains("- Fashion-MNIST, residual CNN: not run yet"), doc)
        XCTAssertTrue(doc.contains("## Why TPR-derived weights \"made almost no difference\""), doc)
        XCTAssertTrue(doc.contains("**In short** (Fashion-MNIST, MLP, 3 seeds):"), doc)
        XCTAssertTrue(doc.contains("| gamma | D [95% CI] |"), doc)
        for name in ["letter-tpr_before_after.svg", "fashion-mlp-tpr_hardest_epochs.svg", "fashion-mlp-tradeoff_gamma.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: images + "/" + name), name)
            XCTAssertTrue(doc.contains("](images/findings/" + name + ")"), "a relative link to \(name)")
        }
        let newReadme = try String(contentsOf: readme, encoding: .utf8)
        XCTAssertFalse(newReadme.contains("old table"), newReadme)
        XCTAssertTrue(newReadme.contains("| data, model | seeds |"), newReadme)
        XCTAssertTrue(newReadme.hasSuffix("<!-- findings:end -->\n\nmore\n"), newReadme)
    }
}
