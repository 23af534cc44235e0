"""The lint rules, one module per family: validity (meta-schema, references, schemas that
compile), examples, schemas, structure (paths, operations, components), copy_paste and
prose (descriptions the schema does not back up)."""
