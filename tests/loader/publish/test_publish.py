"""Publishing: every mart lands unchanged in the published copy, which is swapped atomically."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from loader.errors import LoaderError
from loader.publish.marts import publish
from loader.publish.versions import current_version
from tests.loader.publish.reader import Reader


def marts_of(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'marts' order by 1"
        ).fetchall()
    return [row[0] for row in rows]


@pytest.fixture(scope="module")
def published(marts_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("published")
    publish(marts_db, root, keep=2)
    return root


def test_every_mart_is_published_row_for_row(marts_db: Path, published: Path) -> None:
    marts = marts_of(marts_db)
    assert {"fct_job_run_costs", "agg_monthly_costs", "cost_anomalies"} <= set(marts)
    assert marts_of(published / "circleci_costs.duckdb") == marts
    with duckdb.connect() as con:
        con.execute(f"attach '{marts_db}' as built (read_only)")
        con.execute(f"attach '{published / 'circleci_costs.duckdb'}' as pub (read_only)")
        for mart in marts:
            built, pub = f"built.marts.{mart}", f"pub.marts.{mart}"
            assert (
                con.execute(f"describe {built}").fetchall()
                == con.execute(f"describe {pub}").fetchall()
            ), mart
            rows = con.execute(f"select count(*) from {built}").fetchall()[0][0]
            assert rows == con.execute(f"select count(*) from {pub}").fetchall()[0][0], mart
            for left, right in ((built, pub), (pub, built)):
                missing = con.execute(
                    f"select count(*) from (from {left} except all from {right})"
                ).fetchall()[0][0]
                assert missing == 0, f"{mart}: {missing} rows of {left} not in {right}"
        # conservation to the cent, on the mart every other one is priced from
        cost = "select sum(total_cost) from {}.marts.fct_job_run_costs"
        assert (
            con.execute(cost.format("built")).fetchall()
            == con.execute(cost.format("pub")).fetchall()
        )


def test_usage_rows_are_partitioned_by_month(marts_db: Path, published: Path) -> None:
    folder = published / "current" / "fct_job_run_costs"
    partitions = sorted(p.name for p in folder.iterdir())
    with duckdb.connect(str(marts_db), read_only=True) as con:
        months = con.execute(
            "select distinct 'usage_month=' || strftime(usage_date, '%Y-%m') "
            "from marts.fct_job_run_costs order by 1"
        ).fetchall()
    assert partitions == [m[0] for m in months]
    manifest = json.loads((published / "current" / "manifest.json").read_text())
    by_name = {m["name"]: m for m in manifest["marts"]}
    assert by_name["fct_job_run_costs"]["partitioned"]
    assert not by_name["agg_monthly_costs"]["partitioned"]


def test_a_reader_keeps_its_version_while_the_next_appears(marts_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "built.duckdb"
    shutil.copy(marts_db, db)
    root = tmp_path / "published"
    first = publish(db, root, keep=0)
    count = "select count(*) from marts.agg_monthly_costs"
    reader = Reader(root / "circleci_costs.duckdb")
    try:
        before = reader.ask(count)
        with duckdb.connect(str(db)) as con:
            con.execute(
                "delete from marts.agg_monthly_costs where usage_month = "
                "(select min(usage_month) from marts.agg_monthly_costs)"
            )
        second = publish(db, root, keep=0)
        assert current_version(root) == second.version
        with duckdb.connect(str(root / "circleci_costs.duckdb"), read_only=True) as con:
            after = con.execute(count).fetchall()[0][0]
        assert int(after) < int(before)
        # the open reader still sees its whole version, and that version was not deleted
        assert reader.ask(count) == before
        assert first.folder.exists()
        assert second.deleted == []
    finally:
        reader.close()
    # once no one holds it, the next publication deletes it (keep=0)
    third = publish(db, root, keep=0)
    assert first.version in third.deleted and second.version in third.deleted
    assert sorted(p.name for p in (root / "versions").iterdir()) == [third.version]


def test_a_failed_publication_changes_nothing(marts_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "built.duckdb"
    shutil.copy(marts_db, db)
    root = tmp_path / "published"
    good = publish(db, root, keep=2)
    with duckdb.connect(str(db)) as con:
        con.execute("create view marts.zz_broken as select error('a broken mart') as x")
    with pytest.raises(LoaderError, match="published copy is unchanged: .*a broken mart"):
        publish(db, root, keep=2)
    assert current_version(root) == good.version
    assert [p.name for p in (root / "versions").iterdir()] == [good.version]


def test_an_empty_mart_is_published_with_its_columns(marts_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "built.duckdb"
    shutil.copy(marts_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("delete from marts.fct_job_run_costs")
    done = publish(db, tmp_path / "published", keep=2)
    by_name = {mart.name: mart for mart in done.marts}
    assert by_name["fct_job_run_costs"].rows == 0
    with duckdb.connect(
        str(tmp_path / "published" / "circleci_costs.duckdb"), read_only=True
    ) as con:
        assert con.execute("select count(*) from marts.fct_job_run_costs").fetchall() == [(0,)]
        assert len(con.execute("describe marts.fct_job_run_costs").fetchall()) > 50


def test_nothing_to_publish_is_a_one_line_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(LoaderError, match="has no marts yet"):
        publish(empty, tmp_path / "published", keep=2)
    with pytest.raises(LoaderError, match="does not exist"):
        publish(tmp_path / "missing.duckdb", tmp_path / "published", keep=2)


def test_duckdb_engine_reads_every_mart_through_sqlalchemy(published: Path) -> None:
    """What Superset and other SQLAlchemy tools do: the duckdb-engine dialect, read-only."""
    sqlalchemy = pytest.importorskip("sqlalchemy")
    db = published / "circleci_costs.duckdb"
    engine = sqlalchemy.create_engine(f"duckdb:///{db}", connect_args={"read_only": True})
    manifest = json.loads((published / "current" / "manifest.json").read_text())
    with engine.connect() as connection:
        names = sqlalchemy.inspect(connection).get_view_names(schema="marts")
        assert sorted(names) == sorted(m["name"] for m in manifest["marts"])
        for mart in manifest["marts"]:
            result = connection.execute(sqlalchemy.text(f"select * from marts.{mart['name']}"))
            assert len(result.fetchall()) == mart["rows"], mart["name"]
    # The test build has no cloud bills, so no cloud cost moves with a CI episode; every other
    # mart has rows, so reading it through SQLAlchemy read real values.
    empty = {mart["name"] for mart in manifest["marts"] if mart["rows"] == 0}
    assert empty == {"cost_shift_correlations"}
    engine.dispose()


def test_publish_command_uses_the_publish_dir_setting(marts_db: Path, tmp_path: Path) -> None:
    root = tmp_path / "elsewhere"
    env = {
        **os.environ,
        "CIRCLECI_COSTS_DB": str(marts_db),
        "CIRCLECI_COSTS_PUBLISH_DIR": str(root),
    }
    done = subprocess.run(
        [sys.executable, "-m", "loader", "-q", "publish"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert str(root / "circleci_costs.duckdb") in done.stdout
    assert (root / "circleci_costs.duckdb").is_symlink()


def test_a_failed_build_publishes_nothing(tmp_path: Path) -> None:
    """`make transform` on a database with nothing loaded: dbt fails, make stops, no publish."""
    db = tmp_path / "nothing_loaded.duckdb"
    duckdb.connect(str(db)).close()
    root = tmp_path / "published"
    env = {
        **os.environ,
        "CIRCLECI_COSTS_DB": str(db),
        "CIRCLECI_COSTS_PUBLISH_DIR": str(root),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
    }
    done = subprocess.run(
        ["make", "--no-print-directory", "transform"],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    assert "loader publish" not in done.stdout
    assert not root.exists()
