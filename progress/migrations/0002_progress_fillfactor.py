from django.db import migrations


def set_fillfactor(apps, schema_editor, value=70):
    # Recomputes rewrite changed rows in place: free room on each page lets PostgreSQL update
    # them without touching the indexes (HOT updates), as no indexed column changes.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE progress_progress SET (fillfactor = {value})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE progress_progress RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("progress", "0001_initial")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
