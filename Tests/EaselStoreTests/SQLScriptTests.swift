import EaselStore
import Testing

@Suite struct SQLScriptTests {
    @Test func splitsOnSemicolonsAndDropsEmptyStatements() {
        let statements = SQLScript.statements(in: "CREATE TABLE a (x int);\n\n;  CREATE TABLE b (y int)  ;\n")
        #expect(statements == ["CREATE TABLE a (x int)", "CREATE TABLE b (y int)"])
    }

    @Test func keepsSemicolonsInsideQuotesAndIdentifiers() {
        let statements = SQLScript.statements(
            in: #"INSERT INTO t VALUES ('a;b', 'it''s; fine'); SELECT "odd;name" FROM t;"#
        )
        #expect(statements == [#"INSERT INTO t VALUES ('a;b', 'it''s; fine')"#, #"SELECT "odd;name" FROM t"#])
    }

    @Test func keepsDollarQuotedBodiesWhole() {
        let script = """
            CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;
            DO $$ BEGIN PERFORM 1; END $$;
            SELECT $1::int;
            """
        let statements = SQLScript.statements(in: script)
        #expect(statements.count == 3)
        #expect(statements[0].hasSuffix("$body$ LANGUAGE plpgsql"))
        #expect(statements[1] == "DO $$ BEGIN PERFORM 1; END $$")
        #expect(statements[2] == "SELECT $1::int")
    }

    @Test func dropsCommentsIncludingOnesWithSemicolons() {
        let script = """
            -- a comment; with a semicolon
            CREATE TABLE a (x int); /* block; /* nested; */ still comment; */
            -- only a comment at the end;
            """
        #expect(SQLScript.statements(in: script) == ["CREATE TABLE a (x int)"])
    }
}
