using Processes.Engine.Storage;

namespace Processes.Tests.Storage;

public sealed class SqlScriptTests
{
    [Test]
    public void Splits_at_semicolons_that_end_statements_only()
    {
        const string sql = """
            -- a comment; not a statement
            CREATE TABLE a (note text DEFAULT 'x;y');
            /* block; comment /* nested; */ */
            CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
            INSERT INTO "odd;name" VALUES ('it''s; fine')
            """;

        var statements = SqlScript.Split(sql);

        statements.Count.ShouldBe(3);
        statements[0].Text.ShouldStartWith("-- a comment");
        statements[0].Text.ShouldEndWith("DEFAULT 'x;y');");
        statements[1].Text.ShouldContain("$body$ SELECT 1; $body$");
        statements[2].Text.ShouldBe("INSERT INTO \"odd;name\" VALUES ('it''s; fine')");
        sql[statements[2].Offset..].ShouldStartWith("INSERT");
    }

    [Test]
    public void A_script_of_comments_only_has_no_statements() =>
        SqlScript.Split("-- nothing here;\n\n;  \n").ShouldBeEmpty();
}
