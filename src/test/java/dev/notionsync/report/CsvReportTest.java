package dev.notionsync.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a spreadsheet opening a report's CSV gets: text that starts like a formula stays text. */
class CsvReportTest {

    private static List<List<String>> rendered(ReportTable table) {
        return ReportTest.parseCsv(CsvReport.render(table));
    }

    @Test
    void cellsThatASpreadsheetWouldRunAsAFormulaAreNeutralised() {
        ReportTable table = new ReportTable("t", List.of(new ReportTable.Column("client", false)), List.of(
                List.of("=HYPERLINK(\"http://evil.example\",\"click\")"), List.of("+1+1"), List.of("-2+3"), List.of("@SUM(A1)"),
                List.of("\t=1"), List.of("\r=1"), List.of("Acme"), List.of("-5"), List.of("a=b")), false);
        List<List<String>> rows = rendered(table);
        assertEquals(List.of("'=HYPERLINK(\"http://evil.example\",\"click\")"), rows.get(1));
        assertEquals(List.of("'+1+1"), rows.get(2));
        assertEquals(List.of("'-2+3"), rows.get(3));
        assertEquals(List.of("'@SUM(A1)"), rows.get(4));
        assertEquals(List.of("'\t=1"), rows.get(5));
        assertEquals(List.of("'\r=1"), rows.get(6));
        assertEquals(List.of("Acme"), rows.get(7), "ordinary text is untouched");
        assertEquals(List.of("'-5"), rows.get(8), "a text column's value is text, even when it looks like a number");
        assertEquals(List.of("a=b"), rows.get(9), "only the first character matters");
    }

    @Test
    void aNumericColumnKeepsItsNegativeNumbersButNotAFormula() {
        ReportTable table = new ReportTable("t", List.of(new ReportTable.Column("amount", true)),
                List.of(List.of("-1250.50"), List.of("-3e5"), List.of("42"), List.of("-1+cmd|' /C calc'!A0")), false);
        List<List<String>> rows = rendered(table);
        assertEquals(List.of("-1250.50"), rows.get(1));
        assertEquals(List.of("-3e5"), rows.get(2));
        assertEquals(List.of("42"), rows.get(3));
        assertEquals(List.of("'-1+cmd|' /C calc'!A0"), rows.get(4), "numeric by type, but not a number: neutralised");
    }

    @Test
    void aFormulaBehindLeadingSpacesIsNeutralised() {
        // an import that trims spaces (LibreOffice's "Trim spaces") would otherwise find the formula
        ReportTable table = new ReportTable("t", List.of(new ReportTable.Column("client", false)),
                List.of(List.of("  =1+1"), List.of("\n@SUM(A1)"), List.of("  plain")), false);
        List<List<String>> rows = rendered(table);
        assertEquals(List.of("'  =1+1"), rows.get(1));
        assertEquals(List.of("'\n@SUM(A1)"), rows.get(2));
        assertEquals(List.of("  plain"), rows.get(3));
    }

    @Test
    void aHeaderIsNeutralisedToo() {
        ReportTable table = new ReportTable("t", List.of(new ReportTable.Column("=1+1", false), new ReportTable.Column("@x", true)),
                List.of(List.of("a", "1")), false);
        assertEquals(List.of("'=1+1", "'@x"), rendered(table).get(0));
    }
}
