"""PostgreSQL refuses two targets of one indicator and unit whose validity overlaps.

``measures.services.target_save`` refuses them from every entry point; this exclusion
constraint says it in the database too, whatever writes. (SQLite has no such
constraint: there the service's check under the write lock is the rule.) An existing
installation with overlapping targets is told which ones to fix first.
"""

from django.db import migrations

CONSTRAINT = "measures_target_no_overlap"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        # btree_gist lets an exclusion constraint compare integers with "=" (a trusted
        # extension: the database's owner may create it).
        cursor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        cursor.execute(
            """
            SELECT a.id, b.id FROM measures_target a JOIN measures_target b
              ON a.indicator_id = b.indicator_id AND a.unit_id = b.unit_id AND a.id < b.id
             AND daterange(a.valid_from, a.valid_to, '[]') && daterange(b.valid_from, b.valid_to, '[]')
            ORDER BY 1, 2
            """
        )
        overlapping = cursor.fetchall()
        if overlapping:
            pairs = ", ".join(f"{a} and {b}" for a, b in overlapping)
            raise RuntimeError(
                f"Targets whose validity overlaps must be fixed before this migration: "
                f"targets {pairs} (ids of measures.Target). Give one of each pair a "
                f"validity that ends before the other starts, or delete it, then migrate again."
            )
        cursor.execute(
            f"""
            ALTER TABLE measures_target ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist (
                indicator_id WITH =, unit_id WITH =,
                daterange(valid_from, valid_to, '[]') WITH &&
            )
            """
        )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE measures_target DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("measures", "0005_units_from_org")]

    operations = [migrations.RunPython(add_constraint, drop_constraint)]
