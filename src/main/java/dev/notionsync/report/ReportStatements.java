package dev.notionsync.report;

import dev.notionsync.store.ReportQueries;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/** A report's SQL split into statements, run by the store, each result titled as the report shows it. */
public final class ReportStatements {

    private final ReportQueries queries;

    public ReportStatements(ReportQueries queries) {
        this.queries = queries;
    }

    public List<ReportTable> run(ReportDefinition report) throws SQLException {
        List<SqlStatements.Statement> statements = SqlStatements.split(report.sql());
        if (statements.isEmpty()) {
            throw new SQLException("report " + report.id() + " has no SQL statement");
        }
        List<ReportQueries.Result> results = queries.run(statements.stream().map(SqlStatements.Statement::sql).toList(), report.timeZone());
        List<ReportTable> tables = new ArrayList<>();
        for (int n = 0; n < results.size(); n++) {
            SqlStatements.Statement statement = statements.get(n);
            String title = statement.title() != null ? statement.title()
                    : statements.size() == 1 ? report.title() : "Part " + (n + 1);
            ReportQueries.Result result = results.get(n);
            List<ReportTable.Column> columns = IntStream.range(0, result.labels().size())
                    .mapToObj(i -> new ReportTable.Column(result.labels().get(i), result.numeric().get(i))).toList();
            tables.add(new ReportTable(title, columns, result.rows(), result.truncated()));
        }
        return tables;
    }
}
