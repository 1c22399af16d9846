import subprocess
import sys

import estimator
from estimator.errors import ConfigError, InputError, Problem


def test_version_from_python_m():
    out = subprocess.run(
        [sys.executable, "-m", "estimator", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"estimator {estimator.__version__}"


def test_input_error_names_file_sheet_row_and_column():
    err = InputError("not a number: 'abc'", file="inv.xlsx", sheet="vInfo", row=7, column="CPUs")
    assert str(err) == "inv.xlsx, sheet 'vInfo', row 7, column 'CPUs': not a number: 'abc'"


def test_config_error_names_key_and_file():
    err = ConfigError("must be >= 0", key="operations.labour_per_hour", file="mine.toml")
    assert str(err) == "mine.toml, key 'operations.labour_per_hour': must be >= 0"


def test_problem_renders_location():
    p = Problem("rejected", "negative vCPUs", file="a.csv", row=3, column="vcpu")
    assert str(p) == "a.csv, row 3, column 'vcpu': negative vCPUs"
    assert p.to_dict()["row"] == 3
