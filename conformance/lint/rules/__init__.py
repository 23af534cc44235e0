"""The lint rules, one module per family; importing this package registers every rule in
:data:`conformance.lint.model.RULES`, one entry per rule name.

The import order below, then the order of the rules inside each module, is the order the
rules run in and so the order of the findings: keep it (``isort: off`` stops the import
sorter from changing it; tests/test_lint.py pins the resulting order).
"""

# isort: off
from conformance.lint.rules import oas_schema  # the OpenAPI 3.1 schema, one rule per keyword
from conformance.lint.rules import validity  # $refs resolve, schemas compile
from conformance.lint.rules import examples  # examples satisfy, and stay within, their schema
from conformance.lint.rules import schemas  # required, oneOf, default, enum, format, type
from conformance.lint.rules import structure  # path parameters, operations, unused components
from conformance.lint.rules import documentation  # declared tags, described parameters
from conformance.lint.rules import copy_paste  # descriptions, titles, examples copied
from conformance.lint.rules import prose  # descriptions the schema does not back up
# isort: on

__all__ = ["copy_paste", "documentation", "examples", "oas_schema", "prose", "schemas",
           "structure", "validity"]
