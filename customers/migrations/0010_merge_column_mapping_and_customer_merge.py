# Two branches of work met here: import column mapping and customer merge.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0009_import_batch_columns"),
        ("customers", "0009_name_trigram_index"),
    ]

    operations = []
