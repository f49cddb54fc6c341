from typer.testing import CliRunner

from opencustoms.cli.main import app


def test_help_lists_every_domain_group() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for group in ("declarations", "risk", "tariff", "hs", "users", "audit", "serve", "demo"):
        assert group in result.output
