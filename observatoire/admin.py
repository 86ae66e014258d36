from django.contrib import admin

from observatoire.forms import AdminLoginForm
from observatoire.models import Territory

# The admin's own login goes through the same failure limits as the site's.
admin.site.login_form = AdminLoginForm


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "population"]
    list_filter = ["kind"]
    search_fields = ["search_name", "code", "postal_codes"]
    raw_id_fields = ["parent", "epci"]
    readonly_fields = ["search_name"]
