import Notebook
import XCTest

final class CellParserTests: XCTestCase {
    func testMarkersTitlesAndKinds() {
        let text = """
            -- %% [markdown]
            -- # Title
            --
            -- Some *text*.

            -- %% First cell
            x = 1

            -- %%
            y = 2
            --%% [md] Notes
            -- more
            """
        let cells = CellParser.parse(text).cells
        XCTAssertEqual(cells.map(\.kind), [.markdown, .code, .code, .markdown])
        XCTAssertEqual(cells.map(\.number), [1, 2, 3, 4])
        XCTAssertEqual(cells.map(\.title), ["", "First cell", "", "Notes"])
        XCTAssertEqual(cells[0].source, "# Title\n\nSome *text*.")
        XCTAssertEqual(cells[1].source, "x = 1")
        XCTAssertEqual(cells[2].source, "y = 2")
        XCTAssertEqual(cells[3].source, "more")
    }

    func testLinesBeforeTheFirstMarkerFormACellOnlyIfNotBlank() {
        XCTAssertEqual(CellParser.parse("\n\n-- %%\nx = 1\n").cells.count, 1)
        let cells = CellParser.parse("a = 1\n\n-- %%\nb = 2\n").cells
        XCTAssertEqual(cells.count, 2)
        XCTAssertEqual(cells[0].source, "a = 1")
        XCTAssertNil(cells[0].markerLine)
        XCTAssertEqual(cells[1].markerLine, 3)
    }

    func testFileWithoutMarkersIsOneCodeCell() {
        let cells = CellParser.parse("print(1)\nprint(2)\n").cells
        XCTAssertEqual(cells.count, 1)
        XCTAssertEqual(cells[0].kind, .code)
        XCTAssertEqual(cells[0].lineCount, 2)
    }

    func testLineMappingSkipsMarkerAndLeadingBlankLines() {
        let text = "-- %%\n\n\nx = 1\ny = 2\n\n-- %% [markdown]\n-- hi\n-- %%\n"
        let cells = CellParser.parse(text).cells
        XCTAssertEqual(cells[0].firstLine, 4)
        XCTAssertEqual(cells[0].lastLine, 5)
        XCTAssertEqual(cells[0].fileLine(chunkLine: 2), 5)
        XCTAssertEqual(cells[0].lineRange, "lines 4–5")
        XCTAssertEqual(cells[1].firstLine, 8)
        // an empty cell points at its marker
        XCTAssertEqual(cells[2].source, "")
        XCTAssertEqual(cells[2].lastLine, 9)
        let doc = CellParser.parse(text)
        XCTAssertEqual(doc.cell(containingLine: 5)?.number, 1)
        XCTAssertEqual(doc.cell(containingLine: 8)?.number, 2)
    }

    func testMarkdownPrefixesAndBlockComments() {
        let cells = CellParser.parse("""
            -- %% [markdown]
            --   indented keeps two spaces
            --no space
              -- leading blanks before the dashes
            not a comment stays
            -- %% [markdown]
            --[[
            # In a block
            text
            ]]
            """).cells
        XCTAssertEqual(cells[0].source, "  indented keeps two spaces\nno space\nleading blanks before the dashes\nnot a comment stays")
        XCTAssertEqual(cells[1].source, "# In a block\ntext")
    }

    func testNotMarkersAndLineEndings() {
        // `-- %%%`, `-- %%x` and markers inside code are ordinary lines.
        let cells = CellParser.parse("-- %%%\nx = '-- %%'\n-- %%x\r\n-- %%\r\ny = 1\r\n").cells
        XCTAssertEqual(cells.count, 2)
        XCTAssertEqual(cells[0].source, "-- %%%\nx = '-- %%'\n-- %%x")
        XCTAssertEqual(cells[1].source, "y = 1")
    }

    func testShebangLineIsIgnored() {
        let cells = CellParser.parse("#!/usr/bin/env lwscript\nx = 1\n").cells
        XCTAssertEqual(cells.count, 1)
        XCTAssertEqual(cells[0].source, "x = 1")
        XCTAssertEqual(cells[0].firstLine, 2)
    }
}
