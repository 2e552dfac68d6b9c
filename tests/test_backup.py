import subprocess
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]

# Every stored figure, in a stable order, as one fingerprint.
FINGERPRINT = {
    "progress": "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.unit_id, t.year, t.month), ''))"
    " FROM (SELECT unit_id, year, month, participants, completion_pct, gap, required_pace,"
    " new_ytd FROM progress_progress) t",
    "counts": "SELECT md5(string_agg(t::text, '|' ORDER BY t.commune_id, t.year, t.month))"
    " FROM (SELECT commune_id, year, month, participants, new_participants FROM"
    " targets_monthlycount) t",
    "rows": "SELECT (SELECT count(*) FROM targets_monthlycount), (SELECT count(*) FROM"
    " progress_progress), (SELECT count(*) FROM targets_target)",
}


def url_for(name):
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"


def fingerprint(url):
    with psycopg.connect(url) as conn:
        return {key: conn.execute(sql).fetchone() for key, sql in FINGERPRINT.items()}


@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_gives_the_same_figures(demo, tmp_path):
    original = url_for(connection.settings_dict["NAME"])
    restore_db = connection.settings_dict["NAME"] + "_restored"
    dump = tmp_path / "bhxh.dump"
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": original}
    subprocess.run(["make", "-s", "backup", f"FILE={dump}"], cwd=ROOT, env=env, check=True)
    assert dump.stat().st_size > 10_000

    with psycopg.connect(url_for("postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {restore_db}")
        admin.execute(f"CREATE DATABASE {restore_db}")
    try:
        env["DATABASE_URL"] = url_for(restore_db)
        subprocess.run(["make", "-s", "restore", f"FILE={dump}"], cwd=ROOT, env=env, check=True)
        before, after = fingerprint(original), fingerprint(url_for(restore_db))
        assert before["rows"][0] > 3000
        assert after == before
    finally:
        with psycopg.connect(url_for("postgres"), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {restore_db} WITH (FORCE)")
