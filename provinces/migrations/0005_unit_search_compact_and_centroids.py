from django.db import migrations, models


def fill_search_compact(apps, schema_editor):
    """The compact key of every unit already loaded (later loads keep it up to date); the
    centroids come with the next `load_admin_units`, which `make run` runs every time."""
    from provinces.search import compact_key

    Unit = apps.get_model("provinces", "Unit")
    units = list(Unit.objects.only("full_name"))
    for unit in units:
        unit.search_compact = compact_key(unit.full_name)
    Unit.objects.bulk_update(units, ["search_compact"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("provinces", "0004_unit_names")]

    operations = [
        migrations.AddField(
            model_name="unit",
            name="search_compact",
            field=models.CharField(default="", editable=False, max_length=160),
        ),
        migrations.AddField(
            model_name="unit",
            name="lat",
            field=models.FloatField(blank=True, null=True, verbose_name="vĩ độ"),
        ),
        migrations.AddField(
            model_name="unit",
            name="lon",
            field=models.FloatField(blank=True, null=True, verbose_name="kinh độ"),
        ),
        migrations.RunPython(fill_search_compact, migrations.RunPython.noop, elidable=True),
    ]
