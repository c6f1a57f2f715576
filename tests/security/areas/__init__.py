"""Matrix rows and request bodies per area of issue 4 onward, one module per area.

Each module defines ``rows()`` (the routes it adds, as matrix.Row) and ``BODIES`` (request body
builders keyed by the names its rows use). matrix.py and matrix_world.py collect them, so areas
built at the same time never edit the same lines.
"""

AREAS = ("structure", "records", "movements", "attendance", "lists", "checks", "results", "grades_records", "gradebook")
