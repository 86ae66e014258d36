# The numbered parts of a section are called themes everywhere (URL, page,
# model): the table and the item's column are renamed, no row changes.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ateliers', '0003_section_heading_unlimited'),
    ]

    operations = [
        migrations.RenameModel(old_name='Group', new_name='Theme'),
        migrations.RenameField(model_name='item', old_name='group', new_name='theme'),
        migrations.AlterField(
            model_name='theme',
            name='section',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='themes', to='ateliers.section', verbose_name='section'),
        ),
    ]
