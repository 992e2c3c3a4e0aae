"""`clinics import nppes FILE` from the command line."""

import os
import sys

from localweb.nppes_file import write_npidata
from tests.e2e.conftest import Clinics
from tests.e2e.test_progress import run_on_a_terminal


def test_import_nppes_reports_its_counts_and_resumes(clinics: Clinics, tmp_path):
    path = write_npidata(tmp_path / "npidata_pfile_20261101-20261130.csv", 800)
    first = clinics.run("import", "nppes", str(path))
    assert "rows 800" in first.stdout
    assert "licences_stored" in first.stdout
    again = clinics.run("import", "nppes", str(path))
    assert "rows 800" in again.stdout


def test_import_nppes_refuses_another_kind_of_file(clinics: Clinics, tmp_path):
    other = tmp_path / "leie.csv"
    other.write_text('"LASTNAME","FIRSTNAME"\n"DOE","JANE"\n')
    result = clinics.run("import", "nppes", str(other), check=False)
    assert result.returncode == 1
    assert "not an NPPES npidata file" in result.stderr
    assert "Traceback" not in result.stderr


def test_import_nppes_on_a_terminal_shows_a_progress_bar(clinics: Clinics, tmp_path):
    path = write_npidata(tmp_path / "npidata_pfile_20261201-20261231.csv", 800, seed=9100)
    environment = {**os.environ, "DATABASE_URL": clinics.database_url}
    shown = run_on_a_terminal(
        [sys.executable, "-m", "clinics", "import", "nppes", str(path)], environment
    )
    assert "Importing" in shown
    assert "100%" in shown
    assert "rows 800" in shown
