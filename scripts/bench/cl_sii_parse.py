"""Parses an RCV compras REGISTRO CSV with the PyPI `cl-sii` parser and prints its CPU time.

Used by rcv_parse_vs_cl_sii.sh, which installs cl-sii in a virtualenv and runs this with it;
the output line has the same shape as the Rust side's (`rcv_parse_file parse`), so the
script can compare them.

    python cl_sii_parse.py FILE COMPANY_RUT
"""

import sys
import time

from cl_sii.rcv.parse_csv import parse_rcv_compra_registro_csv_file
from cl_sii.rut import Rut


def main() -> int:
    path, company = sys.argv[1], sys.argv[2]
    rows = 0
    with open(path, encoding="utf-8") as f:
        # Data rows: every line but the header (the file ends with one newline).
        rows = sum(1 for _ in f) - 1
    start = time.process_time()
    entries = errors = 0
    # The parser is a generator: consuming it is what parses the file.
    for entry, _row_ix, _row_data, row_errors in parse_rcv_compra_registro_csv_file(
        rut=Rut(company), input_file_path=path
    ):
        if entry is not None:
            entries += 1
        if row_errors:
            errors += 1
    cpu = time.process_time() - start
    print(
        f"parser=cl-sii rows={rows} documents={entries} refused={errors} "
        f"cpu_s={cpu:.3f} rows_per_cpu_s={rows / cpu:.0f}"
    )
    # A parser that refuses the file's rows does not measure the same work.
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
