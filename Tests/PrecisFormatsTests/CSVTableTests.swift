import PrecisCore
import PrecisFormats
import Testing

@Suite struct CSVTableTests {
    @Test func readsQuotedFieldsAndLineEndings() throws {
        let table = try CSVTable(text: "conc,\"ratio, T/C\",note\r\n1.5,0.11,\"says \"\"hi\"\"\"\n3,0.2,\n")
        #expect(table.columns == ["conc", "ratio, T/C", "note"])
        #expect(table.rows == [["1.5", "0.11", "says \"hi\""], ["3", "0.2", ""]])
        #expect(try table.numbers("conc") == [1.5, 3])
        #expect(try table.numbers("ratio, T/C") == [0.11, 0.2])
    }

    @Test func errorsNameTheRowAndColumn() throws {
        let table = try CSVTable(text: "x,y\n1,2\n3,abc\n")
        #expect { try table.numbers("y") } throws: { ($0 as? PrecisError)?.message == "row 3, column 'y': 'abc' is not a number" }
        #expect { try table.numbers("z") } throws: { ($0 as? PrecisError)?.message.contains("no column 'z' (columns: x, y)") == true }
        #expect { try CSVTable(text: "") } throws: { ($0 as? PrecisError)?.message.contains("empty") == true }
        #expect { try CSVTable(text: "x,y\n1\n") } throws: { ($0 as? PrecisError)?.message.contains("row 2 has 1 fields") == true }
        #expect { try CSVTable(text: "x\n\"open\n") } throws: { ($0 as? PrecisError)?.message.contains("never closed") == true }
        #expect { try CSVTable(text: "x\n").numbers("x") } throws: { ($0 as? PrecisError)?.message.contains("no data rows") == true }
    }
}
